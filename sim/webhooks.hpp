#pragma once
// The webhook sender: signs events like Zoom (x-zm-signature over
// "v0:{timestamp}:{body}") and delivers them from background threads with
// Zoom's 3 s timeout and retry schedule (+5, +20, +60 min, divided by the
// speed factor), plus optional duplicates, delays and reordering.

#include "common.hpp"
#include "options.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

namespace zs {

class WebhookSender
{
public:
  /// A sender for the account and secret in `options`; threads start with `start`.
  explicit WebhookSender(const Options& options);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  /// Starts the delivery threads.
  void start();
  /// Stops them; queued deliveries are abandoned.
  void stop();

  /// Sets the endpoint URL deliveries go to ("" = none).
  void set_url(std::string url);
  /// The endpoint URL.
  std::string url();

  /// Queues `event` with `payload.object` = `object` and `event_ts` = `event_ts_ms`.
  void emit(const std::string& event, OJson object, std::int64_t event_ts_ms);

  /// Deliveries with their attempts and outcome: only `event` ones when given,
  /// only ids above `since`, at most `limit`.
  OJson list(const std::string& event, std::uint64_t since, std::size_t limit);
  /// Deliveries not yet final (queued, held, in flight or waiting for a retry).
  std::size_t pending();
  /// Sends endpoint.url_validation now and reports whether the answer was right.
  OJson validate();

  /// The delivery options as JSON.
  OJson config_json();
  /// Applies the keys present in `j`; returns an error message or "".
  std::string apply_config(const Json& j);
  /// Restores `config` and `speed`.
  void set_config(DeliveryConfig config, double speed);
  /// Forgets every delivery (in-flight ones finish unrecorded).
  void reset();

private:
  using Clock = std::chrono::steady_clock;

  struct Attempt {
    std::string time;
    int status = 0;
    std::string error;
    std::int64_t ms = 0;
  };
  struct Delivery {
    std::uint64_t id = 0;
    std::string event;
    std::string body;
    std::string request_id;
    std::string url;
    std::optional<std::uint64_t> duplicate_of;
    std::vector<Attempt> attempts;
    std::string outcome = "pending";
    std::optional<bool> validation_ok;
  };
  /// What one HTTP POST produced.
  struct PostResult {
    Attempt attempt;
    std::string response_body;
  };

  void worker();
  void enqueue_locked(std::size_t index, Clock::time_point due);
  void flush_hold_locked();
  std::size_t add_locked(const std::string& event, const std::string& body, std::optional<std::uint64_t> dup_of);
  PostResult post(const std::string& url, const std::string& body, const std::string& request_id);
  std::string new_request_id();

  const Options& m_options;
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::string m_url;
  DeliveryConfig m_config;
  double m_speed = 60.0;
  std::mt19937_64 m_rng;
  std::vector<Delivery> m_deliveries;
  std::set<std::tuple<Clock::time_point, std::uint64_t, std::size_t>> m_queue;
  std::vector<std::size_t> m_hold;
  Clock::time_point m_hold_since{};
  std::uint64_t m_seq = 0;
  std::size_t m_in_flight = 0;
  std::uint64_t m_generation = 0;
  bool m_stop = false;
  std::vector<std::thread> m_threads;
};

} // namespace zs
