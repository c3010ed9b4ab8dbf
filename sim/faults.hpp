#pragma once
// Fault injection for `/v2` requests: a seeded random choice per request of
// "answer normally", 429, 500/503, drop the connection before or after the
// request takes effect, plus added latency.

#include "common.hpp"
#include "options.hpp"

#include <mutex>

namespace zs {

/// What to do with one request.
struct FaultDecision {
  enum class Kind { none, too_many, server_error, unavailable, drop, drop_after };
  Kind kind = Kind::none;
  int latency_ms = 0;
};

class Faults
{
public:
  /// Starts with `config`, drawing from a generator seeded with `seed`.
  Faults(FaultConfig config, std::uint64_t seed);

  /// Decides the fate of the next request.
  FaultDecision decide();
  /// The reply for an injected fault of `kind` (not `none` or `drop`).
  Reply reply_for(FaultDecision::Kind kind);
  /// The current settings as JSON.
  OJson to_json();
  /// Applies the keys present in `j` (`rate_429`, `rate_5xx`, `latency_ms`,
  /// `drop_rate`, `drop_after_rate`, `retry_after`, `enforce_qps`); returns an error message or "" on success.
  std::string apply(const Json& j);
  /// Whether the per-second limits are enforced.
  bool enforce_qps();
  /// Restores `config`.
  void set(FaultConfig config);

private:
  std::mutex m_mutex;
  FaultConfig m_config;
  std::mt19937_64 m_rng;
};

/// Applies fault keys in `j` to `config`; returns an error message or "".
std::string apply_fault_json(FaultConfig& config, const Json& j);

} // namespace zs
