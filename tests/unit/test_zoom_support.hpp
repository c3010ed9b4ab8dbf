#pragma once
// Shared by the test_zoom_*.cpp files: a scratch directory with a fresh migrated
// database, a fixed clock, and a scripted transport that records what was sent.

#include "core/config.hpp"
#include "core/db.hpp"
#include "core/util/time.hpp"
#include "core/zoom/http.hpp"
#include "core/zoom/oauth.hpp"

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace zc::zoom::test {

/// A scratch directory removed at the end of the test.
class Scratch
{
public:
  Scratch()
  {
    std::random_device rd;
    m_dir = std::filesystem::temp_directory_path() / ("zoomctl-unit-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(m_dir);
  }
  ~Scratch()
  {
    std::error_code ec;
    std::filesystem::remove_all(m_dir, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  [[nodiscard]] std::string path(const std::string& name) const { return (m_dir / name).string(); }
  [[nodiscard]] std::string db_path() const { return path("zoomctl.db"); }
  /// A new connection to the scratch database, migrated.
  [[nodiscard]] db::Database open_db() const { return db::Database::open(db_path(), db::Migrate::yes).value(); }

private:
  std::filesystem::path m_dir;
};

/// Sets `zc::now()` to a settable time for the test's lifetime.
class FixedClock
{
public:
  explicit FixedClock(Seconds start)
      : m_now(std::make_shared<std::atomic<std::int64_t>>(start.time_since_epoch().count()))
  {
    auto now = m_now;
    set_clock([now] { return Seconds(std::chrono::seconds(now->load())); });
  }
  ~FixedClock() { set_clock(nullptr); }
  FixedClock(const FixedClock&) = delete;
  FixedClock& operator=(const FixedClock&) = delete;
  void advance(std::chrono::seconds s) { m_now->fetch_add(s.count()); }
  [[nodiscard]] Seconds get() const { return Seconds(std::chrono::seconds(m_now->load())); }

private:
  std::shared_ptr<std::atomic<std::int64_t>> m_now;
};

/// 2026-11-25T12:00:00Z
inline Seconds noon()
{
  return parse_iso8601("2026-11-25T12:00:00Z").value();
}

/// What a scripted transport saw and answers with. Thread-safe.
struct Script {
  std::mutex mutex;
  std::vector<HttpRequest> requests;
  std::function<HttpResult(const HttpRequest&, int n)> handler; ///< `n` = 0-based index of the request

  HttpResult send(const HttpRequest& request)
  {
    int n = 0;
    {
      const std::lock_guard lock(mutex);
      requests.push_back(request);
      n = static_cast<int>(requests.size()) - 1;
    }
    return handler(request, n);
  }
  std::size_t count()
  {
    const std::lock_guard lock(mutex);
    return requests.size();
  }
  std::size_t count_to(std::string_view url_part)
  {
    const std::lock_guard lock(mutex);
    std::size_t n = 0;
    for (const auto& r : requests) {
      if (r.url.find(url_part) != std::string::npos) {
        ++n;
      }
    }
    return n;
  }
};

/// A transport that forwards to a shared `Script` (so the test keeps a handle after giving the transport away).
class ScriptedTransport final : public Transport
{
public:
  explicit ScriptedTransport(std::shared_ptr<Script> script) : m_script(std::move(script)) {}
  HttpResult send(const HttpRequest& request) override { return m_script->send(request); }

private:
  std::shared_ptr<Script> m_script;
};

/// A response with `status`, `body` and optional header fields.
inline HttpResponse respond(long status, std::string body,
                            std::vector<std::pair<std::string, std::string>> headers = {})
{
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  for (auto& [k, v] : headers) {
    r.headers.set(k, v);
  }
  return r;
}

/// A token endpoint answer for `token` valid `expires_in` seconds.
inline HttpResponse token_response(const std::string& token, int expires_in = 3600, const std::string& api_url = "")
{
  std::string body = R"({"access_token":")" + token + R"(","token_type":"bearer","expires_in":)" +
                     std::to_string(expires_in) + R"(,"scope":"user:read:admin meeting:write:admin")";
  if (!api_url.empty()) {
    body += R"(,"api_url":")" + api_url + "\"";
  }
  body += "}";
  return respond(200, body);
}

/// Credentials and URLs for the tests (ZOOM_API_URL set explicitly).
inline config::Config test_config()
{
  config::Config c;
  c.account_id = "acct123";
  c.client_id = "cid";
  c.client_secret = "csec-very-secret-value";
  c.oauth_url = "https://oauth.test/oauth/token";
  c.api_url = "https://api.test/v2";
  c.api_url_explicit = true;
  return c;
}

} // namespace zc::zoom::test
