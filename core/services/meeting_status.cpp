#include "core/services/meeting_status.hpp"

#include "core/log.hpp"
#include "core/zoom/client.hpp"

#include <exception>

namespace zc::services {

namespace {

// Entries kept before expired ones are swept out (one per meeting in its start window).
constexpr std::size_t k_prune_above = 1024;

} // namespace

const char* to_string(LiveStatus s)
{
  switch (s) {
  case LiveStatus::started:
    return "started";
  case LiveStatus::waiting:
    return "waiting";
  case LiveStatus::error:
    return "error";
  }
  return "error";
}

StatusCheckCounts& status_check_counts()
{
  static StatusCheckCounts counts;
  return counts;
}

MeetingStatusCache::MeetingStatusCache(std::chrono::steady_clock::duration ttl,
                                       std::chrono::steady_clock::duration failure_ttl, Clock clock)
    : m_ttl(ttl), m_failure_ttl(failure_ttl), m_clock(std::move(clock))
{}

MeetingCheck MeetingStatusCache::get(std::int64_t meeting_id, const Fetch& fetch)
{
  std::unique_lock lock(m_mutex);
  for (;;) {
    auto& e = m_entries[meeting_id];
    if (e.in_flight) {
      m_done.wait(lock);
      continue; // the entry may have been answered (or swept): look again
    }
    if (e.value && m_clock() < e.expires) {
      return *e.value;
    }
    e.in_flight = true;
    break;
  }
  lock.unlock();
  MeetingCheck result;
  try {
    result = fetch();
  } catch (const std::exception& ex) {
    log::warn("join", "meeting {}: status check failed: {}", meeting_id, ex.what());
    result = MeetingCheck{};
  }
  lock.lock();
  const auto now = m_clock();
  auto& e = m_entries[meeting_id];
  e.in_flight = false;
  e.value = result;
  e.expires = now + (result.status == LiveStatus::error ? m_failure_ttl : m_ttl);
  prune(now);
  m_done.notify_all();
  return result;
}

void MeetingStatusCache::clear()
{
  const std::lock_guard lock(m_mutex);
  for (auto it = m_entries.begin(); it != m_entries.end();) {
    it = it->second.in_flight ? std::next(it) : m_entries.erase(it);
  }
}

void MeetingStatusCache::prune(std::chrono::steady_clock::time_point now)
{
  if (m_entries.size() <= k_prune_above) {
    return;
  }
  for (auto it = m_entries.begin(); it != m_entries.end();) {
    it = !it->second.in_flight && it->second.expires <= now ? m_entries.erase(it) : std::next(it);
  }
}

MeetingStatusCache& meeting_status_cache()
{
  static MeetingStatusCache cache;
  return cache;
}

MeetingCheck check_meeting_status(db::Database& db, const config::Config& cfg, std::int64_t meeting_id)
{
  return meeting_status_cache().get(meeting_id, [&]() {
    auto& counts = status_check_counts();
    // Someone is waiting for a page: two short attempts, not the batch jobs' minute of
    // retries. Worst case about one connect/answer timeout, a short backoff and another.
    zoom::ClientOptions options;
    options.retry.max_total = k_status_budget / 2;
    options.retry.max_attempts = 2;
    options.retry.base_delay = std::chrono::milliseconds(100);
    options.http.connect_timeout = k_status_budget * 2 / 5;
    options.http.total_timeout = k_status_budget * 2 / 5;
    zoom::ZoomClient client(cfg, db, options);
    auto meeting = client.get_meeting(meeting_id);
    if (!meeting) {
      counts.error.fetch_add(1, std::memory_order_relaxed);
      log::warn("join",
                "meeting {}: cannot ask Zoom whether it has started (learners keep waiting for the "
                "meeting.started webhook; asked again in {} s): {}",
                meeting_id, k_status_failure_ttl.count(), meeting.error().message);
      return MeetingCheck{};
    }
    MeetingCheck out;
    out.status = meeting->status == "started" ? LiveStatus::started : LiveStatus::waiting;
    out.password = meeting->password;
    (out.status == LiveStatus::started ? counts.started : counts.waiting).fetch_add(1, std::memory_order_relaxed);
    log::debug("join", "meeting {}: Zoom says its status is '{}'", meeting_id, meeting->status);
    return out;
  });
}

} // namespace zc::services
