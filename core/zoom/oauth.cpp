#include "core/zoom/oauth.hpp"

#include "core/crypto.hpp"
#include "core/log.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sqlite3.h>
#include <thread>

namespace zc::zoom {

namespace {

constexpr std::string_view k_log = "zoom.oauth";

// Token fetches hold the database write lock; stay below its busy timeout (10 s)
// so that other writers wait rather than fail.
constexpr std::chrono::milliseconds k_fetch_budget{8'000};

constexpr std::string_view k_credentials_hint =
    "check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET: they must be the Account ID, Client ID and "
    "Client secret of an activated Server-to-Server OAuth app (Zoom App Marketplace > Manage > your app > App "
    "Credentials)";

// What this process knows without asking the database: the last token per key.
struct MemoryCache {
  std::mutex mutex;       // guards `tokens` and `secrets_added`
  std::mutex fetch_mutex; // one fetch at a time in this process
  std::map<std::string, Token> tokens;
};

MemoryCache& memory()
{
  static MemoryCache cache;
  return cache;
}

std::optional<Token> memory_get(const std::string& key)
{
  auto& m = memory();
  const std::lock_guard lock(m.mutex);
  if (auto it = m.tokens.find(key); it != m.tokens.end()) {
    return it->second;
  }
  return std::nullopt;
}

void memory_put(const std::string& key, const Token& token)
{
  auto& m = memory();
  const std::lock_guard lock(m.mutex);
  auto it = m.tokens.find(key);
  if (it == m.tokens.end() || it->second.access_token != token.access_token) {
    log::add_secret(token.access_token);
  }
  m.tokens[key] = token;
}

bool usable_and_not(const std::optional<Token>& token, std::string_view rejected, Seconds now)
{
  return token && token_usable(*token, now) && (rejected.empty() || token->access_token != rejected);
}

double random_jitter()
{
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

void delete_cached_token(db::Database& db, const std::string& key)
{
  SQLite::Statement q(db.sql(), "DELETE FROM token_cache WHERE key_hash = ?");
  q.bind(1, key);
  q.exec();
}

} // namespace

bool token_usable(const Token& token, Seconds now)
{
  return !token.access_token.empty() && now + k_token_margin < token.expires_at;
}

std::string token_cache_key(std::string_view oauth_url, std::string_view account_id, std::string_view client_id)
{
  return crypto::sha256_hex(fmt::format("{}|{}|{}", oauth_url, account_id, client_id));
}

std::string basic_authorization(std::string_view client_id, std::string_view client_secret)
{
  return "Basic " + crypto::base64_encode(fmt::format("{}:{}", client_id, client_secret));
}

std::string token_request_body(std::string_view account_id)
{
  return encode_query({{"grant_type", "account_credentials"}, {"account_id", std::string(account_id)}});
}

Expected<Token> parse_token_response(long status, std::string_view body, Seconds now)
{
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (status >= 200 && status < 300) {
    if (!json.is_object() || !json.contains("access_token") || !json["access_token"].is_string() ||
        json["access_token"].get<std::string>().empty()) {
      Error e = make_error(ErrorKind::zoom, fmt::format("Zoom's OAuth endpoint answered {} without an access_token; "
                                                        "check that ZOOM_OAUTH_URL points at Zoom's token endpoint",
                                                        status));
      e.http_status = static_cast<int>(status);
      return e;
    }
    Token t;
    t.access_token = json["access_token"].get<std::string>();
    std::chrono::seconds lifetime = k_default_token_lifetime;
    if (json.contains("expires_in") && json["expires_in"].is_number()) {
      lifetime = std::chrono::seconds(json["expires_in"].get<std::int64_t>());
    }
    t.expires_at = now + lifetime;
    t.fetched_at = now;
    if (json.contains("scope") && json["scope"].is_string()) {
      t.scope = json["scope"].get<std::string>();
    }
    if (json.contains("api_url") && json["api_url"].is_string()) {
      t.api_url = json["api_url"].get<std::string>();
    }
    return t;
  }

  std::string reason;
  std::string code;
  if (json.is_object()) {
    if (json.contains("reason") && json["reason"].is_string()) {
      reason = json["reason"].get<std::string>();
    } else if (json.contains("message") && json["message"].is_string()) {
      reason = json["message"].get<std::string>();
    }
    if (json.contains("error") && json["error"].is_string()) {
      code = json["error"].get<std::string>();
    } else if (json.contains("code") && json["code"].is_number_integer()) {
      code = std::to_string(json["code"].get<long>());
    }
  }
  const std::string said = reason.empty() && code.empty() ? std::string("no explanation")
                           : code.empty()                 ? reason
                           : reason.empty()               ? code
                                                          : fmt::format("{} ({})", reason, code);
  Error e;
  e.http_status = static_cast<int>(status);
  if (status >= 500 || status == 429) {
    e.kind = ErrorKind::zoom;
    e.message = fmt::format("Zoom's OAuth endpoint failed with {}: {}; try again later", status, said);
  } else {
    e.kind = ErrorKind::auth;
    e.message = fmt::format("Zoom refused the Server-to-Server OAuth credentials ({}: {}); {}", status, said,
                            k_credentials_hint);
  }
  return e;
}

std::string effective_api_url(const config::Config& config, const Token& token)
{
  if (config.api_url_explicit || token.api_url.empty()) {
    return config.api_url;
  }
  std::string url = token.api_url;
  while (!url.empty() && url.back() == '/') {
    url.pop_back();
  }
  const auto scheme = url.find("://");
  const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) {
    url += "/v2";
  }
  return url;
}

std::optional<Token> load_cached_token(db::Database& db, const std::string& key)
{
  SQLite::Statement q(db.sql(), "SELECT access_token, expires_at, COALESCE(scope, ''), COALESCE(api_url, ''), "
                                "fetched_at FROM token_cache WHERE key_hash = ?");
  q.bind(1, key);
  if (!q.executeStep()) {
    return std::nullopt;
  }
  Token t;
  t.access_token = q.getColumn(0).getString();
  t.expires_at = Seconds(std::chrono::seconds(q.getColumn(1).getInt64()));
  t.scope = q.getColumn(2).getString();
  t.api_url = q.getColumn(3).getString();
  t.fetched_at = Seconds(std::chrono::seconds(q.getColumn(4).getInt64()));
  return t;
}

void store_cached_token(db::Database& db, const std::string& key, const Token& token)
{
  SQLite::Statement q(db.sql(), "INSERT INTO token_cache (key_hash, access_token, expires_at, scope, api_url, "
                                "fetched_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key_hash) DO UPDATE SET "
                                "access_token = excluded.access_token, expires_at = excluded.expires_at, "
                                "scope = excluded.scope, api_url = excluded.api_url, fetched_at = excluded.fetched_at");
  q.bind(1, key);
  q.bind(2, token.access_token);
  q.bind(3, static_cast<std::int64_t>(token.expires_at.time_since_epoch().count()));
  q.bind(4, token.scope);
  q.bind(5, token.api_url);
  q.bind(6, static_cast<std::int64_t>(token.fetched_at.time_since_epoch().count()));
  q.exec();
}

void clear_memory_token_cache()
{
  auto& m = memory();
  const std::lock_guard lock(m.mutex);
  m.tokens.clear();
}

TokenProvider::TokenProvider(const config::Config& config, db::Database& db, Transport& transport, RetryPolicy policy)
    : m_config(config), m_db(db), m_transport(transport), m_policy(policy),
      m_key(token_cache_key(config.oauth_url, config.account_id, config.client_id))
{
  m_policy.max_total = std::min(m_policy.max_total, k_fetch_budget);
  // Register each secret once: the daemon makes a provider per thread or request.
  static std::mutex registered_mutex;
  static std::set<std::string> registered;
  const std::lock_guard lock(registered_mutex);
  if (registered.insert(config.client_secret).second) {
    log::add_secret(config.client_secret);
  }
}

Expected<Token> TokenProvider::get(Refresh refresh, std::string_view rejected)
{
  if (refresh == Refresh::if_needed) {
    rejected = {};
    if (auto t = memory_get(m_key); usable_and_not(t, rejected, now())) {
      return *t;
    }
  }
  const std::lock_guard fetch_lock(memory().fetch_mutex);
  // Another thread may have fetched while we waited.
  if (auto t = memory_get(m_key); usable_and_not(t, rejected, now())) {
    return *t;
  }
  try {
    if (auto t = load_cached_token(m_db, m_key); usable_and_not(t, rejected, now())) {
      log::debug(k_log, "using the token cached in the database (expires {})", format_iso8601(t->expires_at));
      memory_put(m_key, *t);
      return *t;
    }
    // A caller may already be inside its own transaction on this connection: then
    // the row is written within it (the caller holds the write lock already).
    const bool in_caller_tx = sqlite3_get_autocommit(m_db.sql().getHandle()) == 0;
    std::optional<db::WriteTransaction> tx;
    if (!in_caller_tx) {
      try {
        tx.emplace(m_db);
      } catch (const SQLite::Exception& e) {
        // The lock holder is taking too long; fetch our own rather than fail the command.
        log::warn(k_log, "could not lock the token cache ({}); fetching a token without it", e.what());
      }
    }
    if (tx || in_caller_tx) {
      // Another process may have fetched while we waited for the write lock.
      auto cached = load_cached_token(m_db, m_key);
      if (usable_and_not(cached, rejected, now())) {
        if (tx) {
          tx->commit();
        }
        memory_put(m_key, *cached);
        return *cached;
      }
      if (cached && !rejected.empty() && cached->access_token == rejected) {
        delete_cached_token(m_db, m_key);
      }
    }
    auto fetched = fetch();
    if (fetched) {
      if (refresh == Refresh::force) {
        metrics().token_refreshes.fetch_add(1, std::memory_order_relaxed);
      }
      memory_put(m_key, *fetched);
    }
    try {
      if (fetched) {
        if (tx || in_caller_tx) {
          store_cached_token(m_db, m_key, *fetched);
        } else {
          db::WriteTransaction late(m_db);
          store_cached_token(m_db, m_key, *fetched);
          late.commit();
        }
      }
      if (tx) {
        tx->commit();
      }
    } catch (const SQLite::Exception& e) {
      // The token is good; only sharing it with other processes failed.
      log::warn(k_log, "could not store the token in the cache: {}", e.what());
    }
    return fetched;
  } catch (const SQLite::Exception& e) {
    return make_error(ErrorKind::database, fmt::format("token cache in {}: {}", m_db.path(), e.what()));
  }
}

std::optional<Token> TokenProvider::peek()
{
  if (auto t = memory_get(m_key)) {
    return t;
  }
  try {
    return load_cached_token(m_db, m_key);
  } catch (const SQLite::Exception&) {
    return std::nullopt;
  }
}

Expected<Token> TokenProvider::fetch()
{
  HttpRequest request;
  request.method = Method::post;
  request.url = m_config.oauth_url;
  request.headers.set("Authorization", basic_authorization(m_config.client_id, m_config.client_secret));
  request.headers.set("Content-Type", "application/x-www-form-urlencoded");
  request.headers.set("Accept", "application/json");
  request.body = token_request_body(m_config.account_id);

  const auto started = std::chrono::steady_clock::now();
  for (int attempt = 1;; ++attempt) {
    log::debug(k_log, "requesting a Server-to-Server OAuth token from {} (attempt {})", m_config.oauth_url, attempt);
    metrics().token_fetches.fetch_add(1, std::memory_order_relaxed);
    auto result = m_transport.send(request);
    const auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    if (auto* net = std::get_if<NetworkError>(&result)) {
      // A token request creates nothing, so any network failure may be resent.
      const auto d = decide(attempt, 0, Headers{}, elapsed, m_policy, now(), random_jitter());
      if (d.action == RetryAction::retry) {
        log::debug(k_log, "token request failed ({}); retrying in {} ms", net->message, d.delay.count());
        std::this_thread::sleep_for(d.delay);
        continue;
      }
      return make_error(ErrorKind::zoom,
                        fmt::format("cannot reach Zoom's OAuth endpoint {}: {}; check the network and ZOOM_OAUTH_URL",
                                    m_config.oauth_url, net->message));
    }
    auto& response = std::get<HttpResponse>(result);
    const auto d = decide(attempt, response.status, response.headers, elapsed, m_policy, now(), random_jitter());
    if (d.action == RetryAction::retry) {
      log::debug(k_log, "token endpoint answered {}; retrying in {} ms", response.status, d.delay.count());
      std::this_thread::sleep_for(d.delay);
      continue;
    }
    auto token = parse_token_response(response.status, response.body, now());
    if (token) {
      log::debug(k_log, "got a token expiring {} with scopes [{}]", format_iso8601(token->expires_at), token->scope);
    }
    return token;
  }
}

} // namespace zc::zoom
