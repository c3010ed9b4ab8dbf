#include "core/services/meeting_status.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using zc::services::LiveStatus;
using zc::services::MeetingCheck;
using zc::services::MeetingStatusCache;

namespace {

// A steady clock the test moves by hand.
struct ManualClock {
  std::chrono::steady_clock::time_point now{};
  MeetingStatusCache::Clock fn()
  {
    return [this] { return now; };
  }
};

MeetingCheck answer(LiveStatus s)
{
  MeetingCheck c;
  c.status = s;
  c.password = s == LiveStatus::error ? "" : "pw1";
  return c;
}

} // namespace

TEST_CASE("services::MeetingStatusCache reuses an answer for its time to live")
{
  ManualClock clock;
  MeetingStatusCache cache(20s, 10s, clock.fn());
  int calls = 0;
  const auto fetch = [&] {
    ++calls;
    return answer(LiveStatus::waiting);
  };
  CHECK(cache.get(42, fetch).status == LiveStatus::waiting);
  clock.now += 19s;
  CHECK(cache.get(42, fetch).status == LiveStatus::waiting);
  CHECK(calls == 1);
  CHECK(cache.get(43, fetch).password == "pw1"); // another meeting has its own entry
  CHECK(calls == 2);
  clock.now += 1s;
  cache.get(42, fetch);
  CHECK(calls == 3);
}

TEST_CASE("services::MeetingStatusCache keeps a failure for the shorter time; exceptions are errors")
{
  ManualClock clock;
  MeetingStatusCache cache(20s, 10s, clock.fn());
  int calls = 0;
  const auto failing = [&]() -> MeetingCheck {
    ++calls;
    throw std::runtime_error("boom");
  };
  CHECK(cache.get(7, failing).status == LiveStatus::error);
  clock.now += 9s;
  CHECK(cache.get(7, failing).status == LiveStatus::error);
  CHECK(calls == 1);
  clock.now += 1s;
  CHECK(cache.get(7, [&] { return answer(LiveStatus::started); }).status == LiveStatus::started);
  cache.clear();
  CHECK(cache.get(7, [&] { return answer(LiveStatus::waiting); }).status == LiveStatus::waiting);
}

TEST_CASE("services::MeetingStatusCache lets one of many concurrent callers fetch")
{
  MeetingStatusCache cache(20s, 10s);
  std::atomic<int> calls{0};
  std::atomic<int> started{0};
  constexpr int k_threads = 16;
  std::vector<std::thread> threads;
  threads.reserve(k_threads);
  for (int i = 0; i < k_threads; ++i) {
    threads.emplace_back([&] {
      const auto r = cache.get(99, [&] {
        ++calls;
        std::this_thread::sleep_for(100ms); // the others arrive while this one is in flight
        return answer(LiveStatus::started);
      });
      if (r.status == LiveStatus::started) {
        ++started;
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  CHECK(calls == 1);
  CHECK(started == k_threads);
}

TEST_CASE("services::meeting_status names the metric's outcomes and needs the API credentials")
{
  CHECK(std::string(zc::services::to_string(LiveStatus::started)) == "started");
  CHECK(std::string(zc::services::to_string(LiveStatus::waiting)) == "waiting");
  CHECK(std::string(zc::services::to_string(LiveStatus::error)) == "error");
  zc::config::Config cfg;
  CHECK_FALSE(cfg.has_zoom_api());
  cfg.account_id = "a";
  cfg.client_id = "b";
  CHECK_FALSE(cfg.has_zoom_api());
  cfg.client_secret = "c";
  CHECK(cfg.has_zoom_api());
}
