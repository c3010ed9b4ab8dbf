// zoomctl webhook list | replay: the stored Zoom deliveries, and applying them again.

#include "cli/common.hpp"

#include "core/services/webhook_service.hpp"

#include <fmt/format.h>

#include <iostream>

namespace zc::cli {

namespace {

std::string shorten(const std::string& s, std::size_t n)
{
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

void print_table(const std::vector<webhook_service::EventRecord>& events)
{
  std::cout << fmt::format("{:>6}  {:<20}  {:<28} {:<14} {:>5}  {:<8} {}\n", "ID", "RECEIVED", "EVENT", "MEETING",
                           "DELIV", "STATUS", "ERROR");
  for (const auto& e : events) {
    std::cout << fmt::format("{:>6}  {:<20}  {:<28} {:<14} {:>5}  {:<8} {}\n", e.id, e.received_at,
                             shorten(e.event, 28), e.meeting_id.empty() ? "-" : shorten(e.meeting_id, 14), e.deliveries,
                             e.status, e.error);
  }
}

class WebhookGroup final : public Group
{
public:
  void add_cli(CLI::App& app) override
  {
    auto* webhook = app.add_subcommand("webhook", "Inspect and replay the Zoom webhook events zoomctld stored");
    webhook->require_subcommand(1);

    m_list = webhook->add_subcommand("list", "List stored webhook events, newest first");
    m_list->add_flag("--failed", m_failed, "Only events whose application failed (replayable)");
    m_list->add_option("--limit", m_limit, "At most N events (0 = all)")->check(CLI::Range(0, 1000000))->type_name("N");

    m_replay = webhook->add_subcommand("replay", "Apply stored events again (e.g. once their session exists)");
    auto* id = m_replay->add_option("ID", m_id, "The event id (see 'webhook list')")->check(CLI::PositiveNumber);
    auto* failed = m_replay->add_flag("--failed", m_replay_failed, "Every event whose status is failed, oldest first");
    id->excludes(failed);
  }

  std::optional<int> run(Context& ctx) override
  {
    if (m_list->parsed()) {
      const auto events = need(webhook_service::list_events(
          ctx.db(), m_failed ? webhook_service::EventFilter::failed : webhook_service::EventFilter::all, m_limit));
      if (ctx.json()) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& e : events) {
          arr.push_back(webhook_service::to_json(e));
        }
        print_json(arr);
      } else {
        print_table(events);
      }
      return exit_code::ok;
    }
    if (m_replay->parsed()) {
      return run_replay(ctx);
    }
    return std::nullopt;
  }

private:
  int run_replay(Context& ctx) const
  {
    if ((m_id > 0) == m_replay_failed) {
      throw Fatal(make_error(ErrorKind::invalid_input, "webhook replay: give an event ID or --failed (one of them)"));
    }
    std::vector<webhook_service::EventRecord> events;
    if (m_replay_failed) {
      events = need(webhook_service::replay_failed(ctx.db()));
    } else {
      events.push_back(need(webhook_service::replay(ctx.db(), m_id)));
    }
    std::size_t still_failed = 0;
    for (const auto& e : events) {
      still_failed += e.status == "failed" ? 1U : 0U;
    }
    if (ctx.json()) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& e : events) {
        arr.push_back(webhook_service::to_json(e));
      }
      print_json(m_replay_failed ? arr : arr.at(0));
    } else if (!ctx.quiet()) {
      for (const auto& e : events) {
        std::cout << fmt::format("event {} ({}): {}{}\n", e.id, e.event, e.status,
                                 e.error.empty() ? std::string() : ": " + e.error);
      }
      if (m_replay_failed) {
        std::cout << fmt::format("replayed {} failed event(s); {} still failed\n", events.size(), still_failed);
      }
    }
    // Still failing is something to look at: exit 1, like any partial failure.
    return still_failed == 0 ? exit_code::ok : exit_code::failure;
  }

  CLI::App* m_list = nullptr;
  CLI::App* m_replay = nullptr;
  bool m_failed = false;
  int m_limit = 0;
  std::int64_t m_id = 0;
  bool m_replay_failed = false;
};

} // namespace

std::unique_ptr<Group> make_webhook_group()
{
  return std::make_unique<WebhookGroup>();
}

} // namespace zc::cli
