#include "faults.hpp"

namespace zs {

Faults::Faults(FaultConfig config, std::uint64_t seed) : m_config(std::move(config)), m_rng(seed) {}

FaultDecision Faults::decide()
{
  std::lock_guard lock(m_mutex);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  FaultDecision d;
  d.latency_ms = m_config.latency_ms;
  double drop = u(m_rng);
  double r = u(m_rng);
  double which = u(m_rng);
  double after = u(m_rng);
  if (drop < m_config.drop_rate) {
    d.kind = FaultDecision::Kind::drop;
  } else if (r < m_config.rate_429) {
    d.kind = FaultDecision::Kind::too_many;
  } else if (r < m_config.rate_429 + m_config.rate_5xx) {
    d.kind = which < 0.5 ? FaultDecision::Kind::server_error : FaultDecision::Kind::unavailable;
  } else if (after < m_config.drop_after_rate) {
    d.kind = FaultDecision::Kind::drop_after;
  }
  return d;
}

Reply Faults::reply_for(FaultDecision::Kind kind)
{
  switch (kind) {
  case FaultDecision::Kind::too_many: {
    Reply r = zoom_error(429, 429, "You have reached the maximum per-second rate limit for this API. Try again later.");
    std::string retry_after;
    {
      std::lock_guard lock(m_mutex);
      retry_after = m_config.retry_after;
    }
    r.headers = {{"X-RateLimit-Type", "QPS"}, {"X-RateLimit-Remaining", "0"}};
    if (!retry_after.empty()) {
      r.headers.emplace_back("Retry-After", retry_after);
    }
    return r;
  }
  case FaultDecision::Kind::server_error:
    return zoom_error(500, 500, "Internal Error. Please try again later.");
  case FaultDecision::Kind::unavailable:
    return zoom_error(503, 503, "Service temporarily unavailable. Please try again later.");
  default:
    return zoom_error(500, 500, "Internal Error.");
  }
}

OJson Faults::to_json()
{
  std::lock_guard lock(m_mutex);
  OJson j = OJson::object();
  j["rate_429"] = m_config.rate_429;
  j["rate_5xx"] = m_config.rate_5xx;
  j["latency_ms"] = m_config.latency_ms;
  j["drop_rate"] = m_config.drop_rate;
  j["drop_after_rate"] = m_config.drop_after_rate;
  j["retry_after"] = m_config.retry_after;
  j["enforce_qps"] = m_config.enforce_qps;
  return j;
}

std::string apply_fault_json(FaultConfig& config, const Json& j)
{
  if (!j.is_object()) {
    return "faults must be a JSON object";
  }
  FaultConfig c = config;
  for (const auto& [key, v] : j.items()) {
    if (key == "rate_429" || key == "rate_5xx" || key == "drop_rate" || key == "drop_after_rate") {
      if (!v.is_number() || v.get<double>() < 0.0 || v.get<double>() > 1.0) {
        return key + " must be a number from 0 to 1";
      }
      double x = v.get<double>();
      (key == "rate_429"    ? c.rate_429
       : key == "rate_5xx"  ? c.rate_5xx
       : key == "drop_rate" ? c.drop_rate
                            : c.drop_after_rate) = x;
    } else if (key == "latency_ms") {
      if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() > 600000) {
        return "latency_ms must be an integer from 0 to 600000";
      }
      c.latency_ms = v.get<int>();
    } else if (key == "retry_after") {
      if (v.is_number_integer()) {
        c.retry_after = std::to_string(v.get<long long>());
      } else if (v.is_string()) {
        c.retry_after = v.get<std::string>();
      } else {
        return "retry_after must be seconds or a date string";
      }
    } else if (key == "enforce_qps") {
      if (!v.is_boolean()) {
        return "enforce_qps must be true or false";
      }
      c.enforce_qps = v.get<bool>();
    } else {
      return "unknown fault setting: " + key;
    }
  }
  if (c.rate_429 + c.rate_5xx > 1.0) {
    return "rate_429 + rate_5xx must not exceed 1";
  }
  config = c;
  return "";
}

std::string Faults::apply(const Json& j)
{
  std::lock_guard lock(m_mutex);
  return apply_fault_json(m_config, j);
}

bool Faults::enforce_qps()
{
  std::lock_guard lock(m_mutex);
  return m_config.enforce_qps;
}

void Faults::set(FaultConfig config)
{
  std::lock_guard lock(m_mutex);
  m_config = std::move(config);
}

} // namespace zs
