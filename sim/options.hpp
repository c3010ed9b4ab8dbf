#pragma once
// zoomsim's configuration: what the command line sets and the control
// endpoints can change at run time.

#include <cstdint>
#include <string>

namespace zs {

/// Injected faults for `/v2` requests.
struct FaultConfig {
  double rate_429 = 0.0;         ///< share of requests answered 429 (per-second limit)
  double rate_5xx = 0.0;         ///< share answered 500 or 503
  int latency_ms = 0;            ///< delay added before every answer
  double drop_rate = 0.0;        ///< share of connections closed without an answer
  double drop_after_rate = 0.0;  ///< share handled (state changes) and then closed without an answer
  std::string retry_after = "1"; ///< `Retry-After` of injected 429s (seconds or a date)
  bool enforce_qps = false;      ///< answer 429 beyond the Pro per-second limit of each rate label
};

/// How webhooks are delivered, beyond Zoom's fixed timeout and retry schedule.
struct DeliveryConfig {
  double duplicate_rate = 0.0; ///< share of deliveries sent twice
  int delay_min_ms = 0;        ///< extra delay before the first attempt, lower bound
  int delay_max_ms = 0;        ///< extra delay before the first attempt, upper bound
  int reorder_window = 0;      ///< hold this many events and send them shuffled (0 = off)
  int reorder_hold_ms = 500;   ///< send a partial window after this long
  int workers = 1;             ///< concurrent deliveries (1 keeps the send order)
};

/// Everything the command line sets.
struct Options {
  std::string host = "127.0.0.1";
  int port = 9901;
  std::string account_id = "simAccount01";
  std::string client_id = "simClientId01";
  std::string client_secret = "simClientSecret0123456789";
  std::string webhook_secret = "simWebhookSecret0123456789";
  std::string webhook_url;
  int licenses = 5;
  double speed = 60.0;
  FaultConfig faults;
  DeliveryConfig delivery;
  long token_ttl = 3600;
  int daily_meeting_limit = 100;
  std::uint64_t seed = 1;
  std::string scenario_file;
  int threads = 32;
  bool verbose = false;

  /// `http://host:port`, the base the token's `api_url` names.
  std::string base_url() const
  {
    return "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
};

} // namespace zs
