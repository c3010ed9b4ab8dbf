// zoomctl attendance report | export | override | reconcile (US-017, US-018).

#include "cli/common.hpp"

#include "core/services/attendance_service.hpp"
#include "core/zoom/client.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <iostream>
#include <unistd.h>

namespace zc::cli {

namespace {

std::string hms(std::int64_t seconds)
{
  return fmt::format("{}:{:02}:{:02}", seconds / 3600, (seconds / 60) % 60, seconds % 60);
}

std::string time_or_dash(const std::optional<Seconds>& t)
{
  return t ? format_iso8601(*t) : std::string("-");
}

void print_report(const attendance_service::Report& r)
{
  std::cout << fmt::format("session {}: {} ({})\n", r.session_id, r.topic, r.status);
  std::string gaps;
  for (const auto& [from, to] : r.gaps) {
    gaps += fmt::format(", not running {} .. {}", format_iso8601(from), format_iso8601(to));
  }
  std::cout << fmt::format("meeting: {} .. {}{}{} = {} ({} s); present at {}% or more\n", time_or_dash(r.meeting_start),
                           time_or_dash(r.meeting_end), r.meeting_ended ? "" : " (still running)", gaps,
                           hms(r.meeting_seconds), r.meeting_seconds, r.threshold);
  std::cout << fmt::format("\n{:<24} {:<32} {:<10} {:<20} {:<20} {:>9} {:>7} {:>3}  {}\n", "NAME", "EMAIL", "KIND",
                           "FIRST JOIN", "LAST LEAVE", "DURATION", "%", "N", "PRESENT");
  for (const auto& p : r.people) {
    std::string present = p.present ? "yes" : "no";
    if (p.override_info) {
      present += fmt::format(" (override by {}: {})", p.override_info->actor, p.override_info->reason);
    }
    std::cout << fmt::format("{:<24} {:<32} {:<10} {:<20} {:<20} {:>9} {:>7.2f} {:>3}  {}\n",
                             p.name.empty() ? "-" : p.name, p.email.empty() ? "-" : p.email,
                             attendance_service::to_string(p.kind), time_or_dash(p.first_join),
                             time_or_dash(p.last_leave), hms(p.duration_seconds), p.percent, p.cycles, present);
  }
  std::cout << fmt::format("\npresent: {} of {} enrolled learners ({:.2f}%); guests: {}\n", r.present, r.enrolled,
                           r.attendance_percent, r.guests);
}

// Writes `data` to `path` atomically (a temporary file in the same directory,
// fsync, rename) and readable by its owner only: the CSV holds personal data.
Expected<void> write_file_atomically(const std::string& path, const std::string& data)
{
  const std::filesystem::path target(path);
  const auto dir = target.has_parent_path() ? target.parent_path() : std::filesystem::path(".");
  std::string tmpl = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    return make_error(ErrorKind::invalid_input,
                      fmt::format("cannot write {}: {}", path, std::strerror(errno))); // NOLINT(concurrency-mt-unsafe)
  }
  bool ok = ::fchmod(fd, S_IRUSR | S_IWUSR) == 0;
  std::size_t done = 0;
  while (ok && done < data.size()) {
    const auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    ok = n > 0;
    done += ok ? static_cast<std::size_t>(n) : 0U;
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved = errno;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmpl.c_str(), path.c_str()) != 0) {
    const int err = ok ? errno : saved;
    std::remove(tmpl.c_str());
    return make_error(ErrorKind::invalid_input,
                      fmt::format("cannot write {}: {}", path, std::strerror(err))); // NOLINT(concurrency-mt-unsafe)
  }
  return {};
}

class AttendanceGroup final : public Group
{
public:
  void add_cli(CLI::App& app) override
  {
    auto* att = app.add_subcommand("attendance", "Attendance of sessions: report, CSV export, overrides, reconcile");
    att->require_subcommand(1);

    m_report = att->add_subcommand("report", "Who attended a session: every enrolled learner, the instructor and "
                                             "guests, with join times, durations, percentages and overrides");
    add_session(m_report);

    m_export = att->add_subcommand("export", "The attendance report as RFC 4180 CSV (stdout, or a file created "
                                             "atomically with mode 0600)");
    add_session(m_export);
    m_export->add_option("-o,--output", m_output, "Write to FILE instead of stdout")->type_name("FILE");
    m_export->add_flag("--bom", m_bom, "Start with a UTF-8 byte order mark (for Excel)");

    m_override = att->add_subcommand("override", "Mark a learner present or absent by hand (kept in the audit log)");
    add_session(m_override);
    m_override->add_option("EMAIL", m_user, "The learner's email address or user id")->required();
    auto* present = m_override->add_flag("--present", m_present, "Mark present");
    auto* absent = m_override->add_flag("--absent", m_absent, "Mark absent");
    present->excludes(absent);
    m_override->add_option("--reason", m_reason, "Why (required; shown in the report and the audit log)")
        ->required()
        ->type_name("TEXT");

    m_reconcile = att->add_subcommand("reconcile", "After the meeting, add what webhooks missed from Zoom's "
                                                   "past-participants report");
    add_session(m_reconcile);
  }

  std::optional<int> run(Context& ctx) override
  {
    if (m_report->parsed()) {
      const auto r = need(attendance_service::report(ctx.db(), m_session, ctx.config().attendance_threshold));
      if (ctx.json()) {
        print_json(attendance_service::to_json(r));
      } else {
        print_report(r);
      }
      return exit_code::ok;
    }
    if (m_export->parsed()) {
      return run_export(ctx);
    }
    if (m_override->parsed()) {
      return run_override(ctx);
    }
    if (m_reconcile->parsed()) {
      return run_reconcile(ctx);
    }
    return std::nullopt;
  }

private:
  void add_session(CLI::App* cmd)
  {
    cmd->add_option("SESSION", m_session, "Session id")->required()->check(CLI::PositiveNumber);
  }

  int run_export(Context& ctx) const
  {
    const auto r = need(attendance_service::report(ctx.db(), m_session, ctx.config().attendance_threshold));
    const auto csv =
        attendance_service::export_csv(r, m_bom ? attendance_service::Bom::yes : attendance_service::Bom::no);
    if (m_output.empty() || m_output == "-") {
      std::cout << csv << std::flush;
      return exit_code::ok;
    }
    if (auto written = write_file_atomically(m_output, csv); !written) {
      throw Fatal(written.error());
    }
    if (ctx.json()) {
      print_json({{"session_id", m_session}, {"file", m_output}, {"rows", r.people.size()}, {"bytes", csv.size()}});
    } else if (!ctx.quiet()) {
      std::cout << fmt::format("wrote {} people of session {} to {}\n", r.people.size(), m_session, m_output);
    }
    return exit_code::ok;
  }

  int run_override(Context& ctx) const
  {
    if (m_present == m_absent) {
      throw Fatal(
          make_error(ErrorKind::invalid_input, "attendance override: give exactly one of --present or --absent"));
    }
    const auto presence = m_present ? attendance_service::Presence::present : attendance_service::Presence::absent;
    const auto actor = ctx.actor();
    const auto r = need(attendance_service::override_attendance(ctx.db(), m_session, m_user, presence, m_reason, actor,
                                                                ctx.config().attendance_threshold));
    if (ctx.json()) {
      print_json({{"override_id", r.override_id},
                  {"session_id", r.session_id},
                  {"user_id", r.user_id},
                  {"before_present", r.before_present},
                  {"present", r.present},
                  {"actor", actor},
                  {"at", r.at}});
    } else if (!ctx.quiet()) {
      std::cout << fmt::format("session {}: {} marked {} (was {}) by {}\n", r.session_id, m_user,
                               r.present ? "present" : "absent", r.before_present ? "present" : "absent", actor);
    }
    return exit_code::ok;
  }

  int run_reconcile(Context& ctx) const
  {
    ctx.require(config::Need::zoom_api);
    zoom::ZoomClient client(ctx.config(), ctx.db());
    const auto r = need(attendance_service::reconcile_from_zoom(ctx.db(), client, m_session, ctx.actor()));
    if (ctx.json()) {
      print_json({{"session_id", m_session},
                  {"inserted", r.inserted},
                  {"shortened", r.shortened},
                  {"skipped_overlap", r.skipped_overlap},
                  {"skipped_existing", r.skipped_existing}});
    } else if (!ctx.quiet()) {
      std::cout << fmt::format("session {}: {} interval(s) added from Zoom's report; {} leave(s) webhooks never "
                               "brought taken from it; skipped {} that webhooks brought and {} already reconciled\n",
                               m_session, r.inserted, r.shortened, r.skipped_overlap, r.skipped_existing);
    }
    return exit_code::ok;
  }

  CLI::App* m_report = nullptr;
  CLI::App* m_export = nullptr;
  CLI::App* m_override = nullptr;
  CLI::App* m_reconcile = nullptr;
  std::int64_t m_session = 0;
  std::string m_output;
  bool m_bom = false;
  std::string m_user;
  bool m_present = false;
  bool m_absent = false;
  std::string m_reason;
};

} // namespace

std::unique_ptr<Group> make_attendance_group()
{
  return std::make_unique<AttendanceGroup>();
}

} // namespace zc::cli
