// zoomctl session schedule | list | show | reschedule | cancel | import | repair

#include "cli/common.hpp"

#include "core/services/scheduling.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <sstream>

namespace zc::cli {

namespace {

void print_session(const services::Session& s, services::StartUrl start_url)
{
  std::cout << fmt::format(
      "id:            {}\ntopic:         {}\ncohort:        {} ({})\ninstructor:    {} ({})\n"
      "start:         {}\nduration:      {} min\ntimezone:      {}\nstatus:        {}\n"
      "zoom meeting:  {}\nzoom uuid:     {}\njoin url:      {}\n",
      s.id, s.topic, s.cohort_name, s.cohort_id, s.instructor_email, s.instructor_id, s.start_time, s.duration,
      s.timezone, s.status, s.zoom_meeting_id ? std::to_string(*s.zoom_meeting_id) : std::string("-"),
      s.zoom_meeting_uuid.empty() ? "-" : s.zoom_meeting_uuid, s.join_url.empty() ? "-" : s.join_url);
  if (s.needs_repair) {
    std::cout << fmt::format("needs repair:  {} (run 'zoomctl session repair {}')\n", *s.needs_repair, s.id);
  }
  if (start_url == services::StartUrl::show) {
    std::cout << fmt::format("start url:     {}\n", s.start_url.empty() ? "-" : s.start_url);
  }
}

class SessionGroup final : public Group
{
public:
  void add_cli(CLI::App& app) override
  {
    auto* session = app.add_subcommand("session", "Schedule, list, change and cancel sessions (Zoom meetings)");
    session->require_subcommand(1);

    m_schedule = session->add_subcommand("schedule", "Schedule a session: creates its Zoom meeting");
    m_schedule->add_option("--cohort", m_req.cohort, "Cohort id or name")->required();
    m_schedule->add_option("--instructor", m_req.instructor, "Instructor's user id or email")->required();
    m_schedule->add_option("--start", m_req.start, "Start, ISO 8601 with Z or an offset (2026-12-01T10:00:00Z)")
        ->required();
    m_schedule->add_option("--duration", m_req.duration, "Minutes, 1 to 1440")->required();
    m_schedule->add_option("--topic", m_topic, "Meeting topic (default: '<cohort> live session')");
    m_schedule->add_option("--timezone", m_timezone, "IANA time zone Zoom shows (default UTC)");
    m_schedule->add_flag("--show-start-url", m_show_start_url, "Also print the host's start URL");

    m_list = session->add_subcommand("list", "List sessions by start time (never shows start URLs)");
    m_list->add_option("--status", m_status, "SCHEDULED, IN_PROGRESS, COMPLETED or CANCELLED");
    m_list->add_option("--from", m_from, "Only sessions starting at or after this time (ISO 8601)");
    m_list->add_option("--to", m_to, "Only sessions starting before this time (ISO 8601)");
    m_list->add_option("--instructor", m_instructor, "Only this instructor (id or email)");
    m_list->add_option("--cohort", m_cohort, "Only this cohort (id or name)");
    m_list->add_option("--limit", m_limit, "At most this many (0 = all)")->default_val(0);

    m_show = session->add_subcommand("show", "Show one session");
    m_show->add_option("ID", m_id, "Session id")->required();
    m_show->add_flag("--show-start-url", m_show_start_url, "Also print the host's start URL (operator only)");

    m_reschedule = session->add_subcommand("reschedule", "Change a session's start, duration or topic (in Zoom too)");
    m_reschedule->add_option("ID", m_id, "Session id")->required();
    m_reschedule->add_option("--start", m_new_start, "New start, ISO 8601 with Z or an offset");
    m_reschedule->add_option("--duration", m_new_duration, "New duration in minutes, 1 to 1440");
    m_reschedule->add_option("--topic", m_new_topic, "New topic");
    m_reschedule->add_option("--timezone", m_new_timezone, "New IANA time zone Zoom shows");

    m_cancel = session->add_subcommand("cancel", "Cancel a session: deletes its Zoom meeting");
    m_cancel->add_option("ID", m_id, "Session id")->required();

    m_import = session->add_subcommand(
        "import", "Schedule the sessions of a CSV file (header cohort,instructor,start,duration,topic); idempotent");
    m_import->add_option("FILE", m_file, "CSV file (UTF-8, RFC 4180 quoting)")->required();

    m_repair = session->add_subcommand("repair", "Finish half-done session changes (all, or one ID)");
    m_repair->add_option("ID", m_repair_id, "Session id (default: every session that needs repair)");
  }

  std::optional<int> run(Context& ctx) override
  {
    if (m_schedule->parsed()) {
      return run_schedule(ctx);
    }
    if (m_list->parsed()) {
      return run_list(ctx);
    }
    if (m_show->parsed()) {
      const auto id = need(services::parse_session_id(m_id));
      auto s = need(services::get_session(ctx.db(), id));
      const auto mode = m_show_start_url ? services::StartUrl::show : services::StartUrl::hide;
      if (mode == services::StartUrl::show) {
        refresh_start_url(ctx, s);
      }
      if (ctx.json()) {
        print_json(services::to_json(s, mode));
      } else {
        print_session(s, mode);
      }
      return exit_code::ok;
    }
    if (m_reschedule->parsed()) {
      services::Reschedule change;
      auto set = [](CLI::App* app, const char* name, const std::string& v, std::optional<std::string>& out) {
        if (app->count(name) > 0) {
          out = v;
        }
      };
      set(m_reschedule, "--start", m_new_start, change.start);
      set(m_reschedule, "--duration", m_new_duration, change.duration);
      set(m_reschedule, "--topic", m_new_topic, change.topic);
      set(m_reschedule, "--timezone", m_new_timezone, change.timezone);
      const auto id = need(services::parse_session_id(m_id));
      ctx.require(config::Need::zoom_api);
      zoom::ZoomClient client(ctx.config(), ctx.db());
      const auto s = need(services::reschedule(ctx.db(), client, id, change, ctx.actor()));
      output_one(ctx, s, "rescheduled");
      return exit_code::ok;
    }
    if (m_cancel->parsed()) {
      const auto id = need(services::parse_session_id(m_id));
      ctx.require(config::Need::zoom_api);
      zoom::ZoomClient client(ctx.config(), ctx.db());
      const auto s = need(services::cancel(ctx.db(), client, id, ctx.actor()));
      output_one(ctx, s, "cancelled");
      return exit_code::ok;
    }
    if (m_import->parsed()) {
      return run_import(ctx);
    }
    if (m_repair->parsed()) {
      return run_repair(ctx);
    }
    return std::nullopt;
  }

private:
  // Zoom's start URLs stop working 2 hours after they are issued, and the stored one dates from the
  // meeting's creation: ask Zoom for a fresh one (GET /meetings/{id}); say so when that fails.
  static void refresh_start_url(Context& ctx, services::Session& s)
  {
    if (!s.zoom_meeting_id || s.status == "CANCELLED" || s.status == "COMPLETED") {
      return;
    }
    ctx.require(config::Need::zoom_api);
    // Someone is waiting at a terminal: a few seconds of retries, not a batch job's minute.
    zoom::ClientOptions options;
    options.retry.max_total = std::chrono::seconds(8);
    zoom::ZoomClient client(ctx.config(), ctx.db(), options);
    auto meeting = client.get_meeting(*s.zoom_meeting_id);
    if (meeting && !meeting->start_url.empty()) {
      s.start_url = meeting->start_url;
      return;
    }
    std::cerr << fmt::format("zoomctl: warning: could not get a fresh start URL from Zoom ({}); the stored one "
                             "was issued when the meeting was created and stops working 2 hours after that\n",
                             meeting ? "no start_url in the answer" : meeting.error().message);
  }

  static void output_one(const Context& ctx, const services::Session& s, std::string_view what)
  {
    if (ctx.json()) {
      print_json(services::to_json(s));
    } else if (!ctx.quiet()) {
      std::cout << fmt::format("session {} {}: {} at {} for {} min ({})\n", s.id, what, s.topic, s.start_time,
                               s.duration, s.status);
    }
  }

  int run_schedule(Context& ctx)
  {
    if (m_schedule->count("--topic") > 0) {
      m_req.topic = m_topic;
    }
    if (m_schedule->count("--timezone") > 0) {
      m_req.timezone = m_timezone;
    }
    ctx.require(config::Need::zoom_api);
    auto v = need(services::validate(ctx.db(), m_req)); // no Zoom call before the input is known good
    zoom::ZoomClient client(ctx.config(), ctx.db());
    const auto r = need(services::schedule_valid(ctx.db(), client, v, ctx.actor()));
    const auto mode = m_show_start_url ? services::StartUrl::show : services::StartUrl::hide;
    if (ctx.json()) {
      auto j = services::to_json(r.session, mode);
      j["outcome"] = services::to_string(r.outcome);
      print_json(j);
    } else if (!ctx.quiet()) {
      std::cout << fmt::format(
          "session {} {}: {} at {} for {} min, Zoom meeting {}\njoin url: {}\n", r.session.id,
          services::to_string(r.outcome), r.session.topic, r.session.start_time, r.session.duration,
          r.session.zoom_meeting_id ? std::to_string(*r.session.zoom_meeting_id) : "-", r.session.join_url);
      if (mode == services::StartUrl::show) {
        std::cout << fmt::format("start url: {}\n", r.session.start_url);
      }
    }
    return exit_code::ok;
  }

  int run_list(Context& ctx)
  {
    services::SessionFilter f;
    auto set = [this](const char* name, const std::string& v, std::optional<std::string>& out) {
      if (m_list->count(name) > 0) {
        out = v;
      }
    };
    set("--status", m_status, f.status);
    set("--from", m_from, f.from);
    set("--to", m_to, f.to);
    set("--instructor", m_instructor, f.instructor);
    set("--cohort", m_cohort, f.cohort);
    f.limit = m_limit;
    const auto sessions = need(services::list_sessions(ctx.db(), f));
    if (ctx.json()) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& s : sessions) {
        arr.push_back(services::to_json(s));
      }
      print_json(arr);
      return exit_code::ok;
    }
    std::string out = fmt::format("{:>6}  {:<20} {:>5} {:<11} {:<28} {:<16} {}\n", "ID", "START (UTC)", "MIN", "STATUS",
                                  "INSTRUCTOR", "COHORT", "TOPIC");
    for (const auto& s : sessions) {
      out += fmt::format("{:>6}  {:<20} {:>5} {:<11} {:<28} {:<16} {}{}\n", s.id, s.start_time, s.duration, s.status,
                         s.instructor_email, s.cohort_name, s.topic, s.needs_repair ? "  [needs repair]" : "");
    }
    std::cout << out;
    return exit_code::ok;
  }

  int run_import(Context& ctx)
  {
    std::ifstream in(m_file, std::ios::binary);
    if (!in) {
      throw Fatal(make_error(ErrorKind::invalid_input, fmt::format("cannot read {}", m_file)));
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    ctx.require(config::Need::zoom_api);
    zoom::ZoomClient client(ctx.config(), ctx.db());
    std::optional<Progress> progress;
    const auto rows = need(services::import_csv(ctx.db(), client, buf.str(), ctx.actor(), [&](std::size_t total) {
      if (!progress) {
        progress.emplace(ctx, "scheduling", total);
      }
      progress->tick();
    }));
    progress.reset();
    std::map<std::string, int> counts;
    for (const auto& r : rows) {
      ++counts[r.outcome];
    }
    if (ctx.json()) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& r : rows) {
        arr.push_back(services::to_json(r));
      }
      print_json(arr);
    } else {
      for (const auto& r : rows) {
        if (!ctx.quiet() || r.outcome == "failed" || r.outcome == "deferred") {
          std::cout << fmt::format("line {}: {}{}{}\n", r.line, r.outcome,
                                   r.session ? fmt::format(" session {}", r.session->id) : std::string(),
                                   r.reason.empty() ? std::string() : " - " + r.reason);
        }
      }
      if (!ctx.quiet()) {
        std::cout << fmt::format("{} rows: {} created, {} exists, {} repaired, {} deferred, {} failed\n", rows.size(),
                                 counts["created"], counts["exists"], counts["repaired"], counts["deferred"],
                                 counts["failed"]);
      }
    }
    return counts["failed"] + counts["deferred"] == 0 ? exit_code::ok : exit_code::failure;
  }

  int run_repair(Context& ctx)
  {
    std::vector<std::int64_t> ids;
    if (!m_repair_id.empty()) {
      ids.push_back(need(services::parse_session_id(m_repair_id)));
      need(services::get_session(ctx.db(), ids.front()));
    } else {
      ids = services::sessions_needing_repair(ctx.db());
    }
    ctx.require(config::Need::zoom_api);
    zoom::ZoomClient client(ctx.config(), ctx.db());
    nlohmann::json arr = nlohmann::json::array();
    int failed = 0;
    for (const auto id : ids) {
      auto r = services::repair(ctx.db(), client, id, ctx.actor());
      if (r) {
        arr.push_back({{"id", id}, {"outcome", "repaired"}, {"session", services::to_json(*r)}});
        if (!ctx.json() && !ctx.quiet()) {
          std::cout << fmt::format("session {}: ok\n", id);
        }
      } else {
        ++failed;
        arr.push_back({{"id", id}, {"outcome", "failed"}, {"reason", r.error().message}});
        if (!ctx.json()) {
          std::cout << fmt::format("session {}: failed - {}\n", id, r.error().message);
        }
      }
    }
    if (ctx.json()) {
      print_json(arr);
    } else if (ids.empty() && !ctx.quiet()) {
      std::cout << "no session needs repair\n";
    }
    return failed == 0 ? exit_code::ok : exit_code::failure;
  }

  CLI::App* m_schedule = nullptr;
  CLI::App* m_list = nullptr;
  CLI::App* m_show = nullptr;
  CLI::App* m_reschedule = nullptr;
  CLI::App* m_cancel = nullptr;
  CLI::App* m_import = nullptr;
  CLI::App* m_repair = nullptr;
  services::ScheduleRequest m_req;
  std::string m_topic;
  std::string m_timezone;
  bool m_show_start_url = false;
  std::string m_status;
  std::string m_from;
  std::string m_to;
  std::string m_instructor;
  std::string m_cohort;
  int m_limit = 0;
  std::string m_id;
  std::string m_new_start;
  std::string m_new_duration;
  std::string m_new_topic;
  std::string m_new_timezone;
  std::string m_file;
  std::string m_repair_id;
};

} // namespace

std::unique_ptr<Group> make_session_group()
{
  return std::make_unique<SessionGroup>();
}

} // namespace zc::cli
