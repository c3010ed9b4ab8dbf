#include "webhooks.hpp"

#include "core/crypto.hpp"

#include <algorithm>
#include <array>
#include <httplib.h>
#include <regex>

namespace zs {
namespace {

constexpr int k_max_workers = 8;
constexpr int k_timeout_s = 3;
// Zoom retries at +5, +20 and +60 minutes, then drops the event.
constexpr std::array<double, 3> k_retry_seconds = {300.0, 1200.0, 3600.0};

std::string now_iso_ms()
{
  std::int64_t ms = now_ms();
  Seconds s{std::chrono::seconds(ms / 1000)};
  std::string t = iso(s);
  t.pop_back();
  return t + "." + std::to_string(1000 + ms % 1000).substr(1) + "Z";
}

} // namespace

WebhookSender::WebhookSender(const Options& options)
    : m_options(options), m_url(options.webhook_url), m_config(options.delivery), m_speed(options.speed),
      m_rng(options.seed + 2)
{}

WebhookSender::~WebhookSender()
{
  stop();
}

void WebhookSender::start()
{
  std::lock_guard lock(m_mutex);
  m_stop = false;
  for (int i = 0; i < k_max_workers; ++i) {
    m_threads.emplace_back([this] { worker(); });
  }
}

void WebhookSender::stop()
{
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_cv.notify_all();
  for (auto& t : m_threads) {
    if (t.joinable()) {
      t.join();
    }
  }
  m_threads.clear();
}

void WebhookSender::set_url(std::string url)
{
  std::lock_guard lock(m_mutex);
  m_url = std::move(url);
}

std::string WebhookSender::url()
{
  std::lock_guard lock(m_mutex);
  return m_url;
}

std::string WebhookSender::new_request_id()
{
  std::string h = zc::crypto::to_hex(zc::crypto::random_bytes(16));
  return h.substr(0, 8) + "_" + h.substr(8, 4) + "_" + h.substr(12, 4) + "_" + h.substr(16, 4) + "_" + h.substr(20);
}

std::size_t WebhookSender::add_locked(const std::string& event, const std::string& body,
                                      std::optional<std::uint64_t> dup_of)
{
  Delivery d;
  d.id = m_deliveries.size() + 1;
  d.event = event;
  d.body = body;
  d.request_id = new_request_id();
  d.url = m_url;
  d.duplicate_of = dup_of;
  if (d.url.empty()) {
    d.outcome = "no_url";
  }
  m_deliveries.push_back(std::move(d));
  return m_deliveries.size() - 1;
}

void WebhookSender::enqueue_locked(std::size_t index, Clock::time_point due)
{
  m_queue.emplace(due, ++m_seq, index);
}

void WebhookSender::flush_hold_locked()
{
  std::shuffle(m_hold.begin(), m_hold.end(), m_rng);
  auto now = Clock::now();
  for (std::size_t index : m_hold) {
    enqueue_locked(index, now);
  }
  m_hold.clear();
}

void WebhookSender::emit(const std::string& event, OJson object, std::int64_t event_ts_ms)
{
  OJson envelope = OJson::object();
  envelope["event"] = event;
  envelope["event_ts"] = event_ts_ms;
  OJson payload = OJson::object();
  payload["account_id"] = m_options.account_id;
  payload["object"] = std::move(object);
  envelope["payload"] = std::move(payload);
  std::string body = dump_compact(envelope);

  std::lock_guard lock(m_mutex);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<std::size_t> added{add_locked(event, body, std::nullopt)};
  if (m_config.duplicate_rate > 0.0 && u(m_rng) < m_config.duplicate_rate) {
    added.push_back(add_locked(event, body, m_deliveries[added[0]].id));
  }
  for (std::size_t index : added) {
    if (m_deliveries[index].outcome != "pending") {
      continue;
    }
    int delay = m_config.delay_min_ms;
    if (m_config.delay_max_ms > m_config.delay_min_ms) {
      delay = std::uniform_int_distribution<int>(m_config.delay_min_ms, m_config.delay_max_ms)(m_rng);
    }
    if (m_config.reorder_window > 1) {
      if (m_hold.empty()) {
        m_hold_since = Clock::now();
      }
      m_hold.push_back(index);
      if (static_cast<int>(m_hold.size()) >= m_config.reorder_window) {
        flush_hold_locked();
      }
    } else {
      enqueue_locked(index, Clock::now() + std::chrono::milliseconds(delay));
    }
  }
  m_cv.notify_all();
}

WebhookSender::PostResult WebhookSender::post(const std::string& url, const std::string& body,
                                              const std::string& request_id)
{
  PostResult result;
  result.attempt.time = now_iso_ms();
  auto started = Clock::now();
  static const std::regex re(R"(^(https?://[^/?#]+)([^#]*)$)");
  std::smatch m;
  if (!std::regex_match(url, m, re)) {
    result.attempt.error = "invalid webhook URL";
    return result;
  }
  std::string path = m[2].str().empty() ? "/" : m[2].str();
  std::string ts = std::to_string(now_ms() / 1000);
  std::string signature = "v0=" + zc::crypto::hmac_sha256_hex(m_options.webhook_secret, "v0:" + ts + ":" + body);
  httplib::Headers headers = {
      {"User-Agent", "Zoom Marketplace/1.0a"},
      {"x-zm-request-timestamp", ts},
      {"x-zm-signature", signature},
      {"x-zm-request-id", request_id},
      {"x-zm-trackingid", "v=2.0;clid=sim;rid=WEB_" + zc::crypto::to_hex(zc::crypto::random_bytes(16))},
  };
  httplib::Client client(m[1].str());
  client.set_connection_timeout(k_timeout_s, 0);
  client.set_read_timeout(k_timeout_s, 0);
  client.set_write_timeout(k_timeout_s, 0);
  client.set_keep_alive(false);
  client.set_tcp_nodelay(true);
  auto res = client.Post(path, headers, body, "application/json; charset=utf-8");
  result.attempt.ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count();
  if (!res) {
    result.attempt.error = httplib::to_string(res.error());
    return result;
  }
  result.attempt.status = res->status;
  result.response_body = res->body;
  return result;
}

void WebhookSender::worker()
{
  std::unique_lock lock(m_mutex);
  while (!m_stop) {
    auto now = Clock::now();
    if (!m_hold.empty() && now >= m_hold_since + std::chrono::milliseconds(m_config.reorder_hold_ms)) {
      flush_hold_locked();
    }
    bool can_run = static_cast<int>(m_in_flight) < std::clamp(m_config.workers, 1, k_max_workers);
    if (m_queue.empty() || !can_run || std::get<0>(*m_queue.begin()) > now) {
      std::optional<Clock::time_point> wake;
      if (!m_queue.empty() && can_run) {
        wake = std::get<0>(*m_queue.begin());
      }
      if (!m_hold.empty()) {
        auto hold_due = m_hold_since + std::chrono::milliseconds(m_config.reorder_hold_ms);
        wake = wake ? std::min(*wake, hold_due) : hold_due;
      }
      if (wake) {
        m_cv.wait_until(lock, *wake);
      } else {
        m_cv.wait(lock);
      }
      continue;
    }
    auto [due, seq, index] = *m_queue.begin();
    m_queue.erase(m_queue.begin());
    std::string url = m_deliveries[index].url;
    std::string body = m_deliveries[index].body;
    std::string request_id = m_deliveries[index].request_id;
    std::uint64_t generation = m_generation;
    ++m_in_flight;
    lock.unlock();
    PostResult r = post(url, body, request_id);
    lock.lock();
    --m_in_flight;
    if (generation != m_generation) {
      m_cv.notify_all();
      continue;
    }
    Delivery& d = m_deliveries[index];
    d.attempts.push_back(r.attempt);
    int status = r.attempt.status;
    if (status >= 200 && status < 300) {
      d.outcome = "delivered";
    } else if (status >= 300 && status < 500) {
      d.outcome = "rejected"; // Zoom does not retry 3xx and 4xx
    } else if (d.attempts.size() <= k_retry_seconds.size()) {
      double wait_s = k_retry_seconds[d.attempts.size() - 1] / std::max(m_speed, 1e-6);
      enqueue_locked(index, Clock::now() + std::chrono::microseconds(static_cast<std::int64_t>(wait_s * 1e6)));
    } else {
      d.outcome = "dropped"; // the initial attempt and three retries failed
    }
    m_cv.notify_all();
  }
}

OJson WebhookSender::list(const std::string& event, std::uint64_t since, std::size_t limit)
{
  std::lock_guard lock(m_mutex);
  OJson out = OJson::array();
  for (const Delivery& d : m_deliveries) {
    if ((!event.empty() && d.event != event) || d.id <= since) {
      continue;
    }
    if (out.size() >= limit) {
      break;
    }
    OJson j = OJson::object();
    j["id"] = d.id;
    j["event"] = d.event;
    j["request_id"] = d.request_id;
    j["url"] = d.url;
    j["duplicate_of"] = d.duplicate_of ? OJson(*d.duplicate_of) : OJson(nullptr);
    j["outcome"] = d.outcome;
    if (d.validation_ok) {
      j["validation_ok"] = *d.validation_ok;
    }
    OJson attempts = OJson::array();
    for (const Attempt& a : d.attempts) {
      OJson aj = OJson::object();
      aj["time"] = a.time;
      aj["status"] = a.status;
      aj["error"] = a.error;
      aj["ms"] = a.ms;
      attempts.push_back(std::move(aj));
    }
    j["attempts"] = std::move(attempts);
    j["body"] = d.body;
    out.push_back(std::move(j));
  }
  OJson j = OJson::object();
  j["deliveries"] = std::move(out);
  j["pending"] = m_queue.size() + m_hold.size() + m_in_flight;
  return j;
}

std::size_t WebhookSender::pending()
{
  std::lock_guard lock(m_mutex);
  return m_queue.size() + m_hold.size() + m_in_flight;
}

OJson WebhookSender::validate()
{
  std::string plain = zc::crypto::random_token(16);
  OJson envelope = OJson::object();
  OJson payload = OJson::object();
  payload["plainToken"] = plain;
  envelope["payload"] = std::move(payload);
  envelope["event_ts"] = now_ms();
  envelope["event"] = "endpoint.url_validation";
  std::string body = dump_compact(envelope);
  std::string url;
  std::string request_id;
  std::size_t index = 0;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(m_mutex);
    index = add_locked("endpoint.url_validation", body, std::nullopt);
    url = m_deliveries[index].url;
    request_id = m_deliveries[index].request_id;
    generation = m_generation;
    if (!url.empty()) {
      ++m_in_flight;
    }
  }
  OJson out = OJson::object();
  out["plainToken"] = plain;
  out["url"] = url;
  if (url.empty()) {
    out["ok"] = false;
    out["status"] = 0;
    out["error"] = "no webhook URL configured";
    return out;
  }
  PostResult r = post(url, body, request_id);
  std::string expected = zc::crypto::hmac_sha256_hex(m_options.webhook_secret, plain);
  bool good = false;
  std::string why;
  if (r.attempt.status == 200 || r.attempt.status == 204) {
    Json answer = Json::parse(r.response_body, nullptr, false);
    auto field = [&answer](const char* key) {
      return answer.is_object() && answer.contains(key) && answer[key].is_string() ? answer[key].get<std::string>()
                                                                                   : std::string{};
    };
    if (field("plainToken") == plain && field("encryptedToken") == expected) {
      good = true;
    } else {
      why = "answer lacks the right plainToken/encryptedToken";
    }
  } else {
    why = r.attempt.error.empty() ? "HTTP " + std::to_string(r.attempt.status) : r.attempt.error;
  }
  {
    std::lock_guard lock(m_mutex);
    --m_in_flight;
    if (generation == m_generation) {
      Delivery& d = m_deliveries[index];
      d.attempts.push_back(r.attempt);
      d.outcome = r.attempt.status >= 200 && r.attempt.status < 300 ? "delivered" : "rejected";
      d.validation_ok = good;
    }
  }
  out["ok"] = good;
  out["status"] = r.attempt.status;
  out["error"] = why;
  out["response"] = r.response_body;
  return out;
}

OJson WebhookSender::config_json()
{
  std::lock_guard lock(m_mutex);
  OJson j = OJson::object();
  j["url"] = m_url;
  j["duplicate_rate"] = m_config.duplicate_rate;
  OJson delay = OJson::array();
  delay.push_back(m_config.delay_min_ms);
  delay.push_back(m_config.delay_max_ms);
  j["delay_ms"] = std::move(delay);
  j["reorder"] = m_config.reorder_window;
  j["reorder_hold_ms"] = m_config.reorder_hold_ms;
  j["workers"] = m_config.workers;
  j["speed"] = m_speed;
  j["timeout_s"] = k_timeout_s;
  OJson retries = OJson::array();
  for (double s : k_retry_seconds) {
    retries.push_back(s / m_speed);
  }
  j["retry_after_s"] = std::move(retries);
  return j;
}

std::string WebhookSender::apply_config(const Json& j)
{
  if (!j.is_object()) {
    return "delivery options must be a JSON object";
  }
  std::lock_guard lock(m_mutex);
  DeliveryConfig c = m_config;
  double speed = m_speed;
  std::string url = m_url;
  for (const auto& [key, v] : j.items()) {
    if (key == "duplicate_rate") {
      if (!v.is_number() || v.get<double>() < 0.0 || v.get<double>() > 1.0) {
        return "duplicate_rate must be a number from 0 to 1";
      }
      c.duplicate_rate = v.get<double>();
    } else if (key == "delay_ms") {
      if (v.is_number_integer() && v.get<long long>() >= 0) {
        c.delay_min_ms = c.delay_max_ms = v.get<int>();
      } else if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer() &&
                 v[0].get<long long>() >= 0 && v[1].get<long long>() >= v[0].get<long long>()) {
        c.delay_min_ms = v[0].get<int>();
        c.delay_max_ms = v[1].get<int>();
      } else {
        return "delay_ms must be milliseconds or [min, max]";
      }
    } else if (key == "reorder") {
      if (v.is_boolean()) {
        c.reorder_window = v.get<bool>() ? 5 : 0;
      } else if (v.is_number_integer() && v.get<long long>() >= 0 && v.get<long long>() <= 10000) {
        c.reorder_window = v.get<int>();
      } else {
        return "reorder must be a window size (0 = off) or a boolean";
      }
    } else if (key == "reorder_hold_ms") {
      if (!v.is_number_integer() || v.get<long long>() < 0) {
        return "reorder_hold_ms must be a non-negative integer";
      }
      c.reorder_hold_ms = v.get<int>();
    } else if (key == "workers") {
      if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > k_max_workers) {
        return "workers must be from 1 to " + std::to_string(k_max_workers);
      }
      c.workers = v.get<int>();
    } else if (key == "speed") {
      if (!v.is_number() || v.get<double>() <= 0.0) {
        return "speed must be a positive number";
      }
      speed = v.get<double>();
    } else if (key == "url") {
      if (!v.is_string()) {
        return "url must be a string";
      }
      url = v.get<std::string>();
    } else {
      return "unknown delivery option: " + key;
    }
  }
  m_config = c;
  m_speed = speed;
  m_url = url;
  m_cv.notify_all();
  return "";
}

void WebhookSender::set_config(DeliveryConfig config, double speed)
{
  std::lock_guard lock(m_mutex);
  m_config = config;
  m_speed = speed;
  m_cv.notify_all();
}

void WebhookSender::reset()
{
  std::lock_guard lock(m_mutex);
  ++m_generation;
  m_deliveries.clear();
  m_queue.clear();
  m_hold.clear();
  m_rng.seed(m_options.seed + 2);
  m_cv.notify_all();
}

} // namespace zs
