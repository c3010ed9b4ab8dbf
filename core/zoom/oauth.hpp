#pragma once
// Server-to-Server OAuth: fetching account tokens and caching them in memory and
// in the database (table token_cache), so that every zoomctl process and every
// thread of zoomctld shares one token per credential set.

#include "core/config.hpp"
#include "core/db.hpp"
#include "core/util/expected.hpp"
#include "core/util/time.hpp"
#include "core/zoom/http.hpp"
#include "core/zoom/retry.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace zc::zoom {

/// A token is treated as expired this long before Zoom says it expires.
constexpr std::chrono::seconds k_token_margin{60};

/// Lifetime assumed when the token response has no `expires_in`.
constexpr std::chrono::seconds k_default_token_lifetime{3599};

/// An S2S access token and what came with it.
struct Token {
  std::string access_token;
  Seconds expires_at{};
  std::string scope;   ///< space-separated scopes
  std::string api_url; ///< the token's `api_url` (may be empty)
  Seconds fetched_at{};
};

/// Whether `token` can still be used at `now` (more than `k_token_margin` before expiry).
bool token_usable(const Token& token, Seconds now);

/// The token_cache key: hex SHA-256 of `oauth_url|account_id|client_id`.
std::string token_cache_key(std::string_view oauth_url, std::string_view account_id, std::string_view client_id);

/// `Basic base64(client_id:client_secret)`.
std::string basic_authorization(std::string_view client_id, std::string_view client_secret);

/// The form body `grant_type=account_credentials&account_id=...`.
std::string token_request_body(std::string_view account_id);

/// Turns the token endpoint's answer (`status`, `body`) received at `now` into a
/// token, or an auth error carrying Zoom's `reason` and naming the ZOOM_* variables.
Expected<Token> parse_token_response(long status, std::string_view body, Seconds now);

/// The REST base URL to use: `config.api_url` when it was set explicitly or the
/// token has no `api_url`, else the token's `api_url` (with `/v2` appended when it has no path).
std::string effective_api_url(const config::Config& config, const Token& token);

/// Reads the cached token under `key`, if any (expired ones included).
std::optional<Token> load_cached_token(db::Database& db, const std::string& key);

/// Stores `token` under `key`, replacing what was there.
void store_cached_token(db::Database& db, const std::string& key, const Token& token);

/// Whether to fetch a new token even when the cached one looks usable.
enum class Refresh { if_needed, force };

/// Hands out a usable token for one credential set, fetching one only when
/// neither memory nor the database holds a usable one. Concurrent callers in
/// one process wait on one mutex; callers in other processes are serialised by
/// a BEGIN IMMEDIATE transaction and re-read the cache inside it.
class TokenProvider
{
public:
  /// Uses `config` credentials, caches in `db`, talks to the OAuth endpoint through
  /// `transport`, retrying 429/5xx/network failures under `policy` (capped below the database busy timeout).
  TokenProvider(const config::Config& config, db::Database& db, Transport& transport, RetryPolicy policy = {});

  /// A usable token. With `Refresh::force` the token equal to `rejected` (Zoom
  /// answered 401/124 to it) is dropped first; a different cached token (someone
  /// else already refreshed) is returned as is.
  Expected<Token> get(Refresh refresh = Refresh::if_needed, std::string_view rejected = {});

  /// The token held in memory or in the database, usable or not, without fetching one.
  std::optional<Token> peek();

  /// The cache key of this credential set.
  [[nodiscard]] const std::string& key() const { return m_key; }

private:
  Expected<Token> fetch();

  const config::Config& m_config;
  db::Database& m_db;
  Transport& m_transport;
  RetryPolicy m_policy;
  std::string m_key;
};

/// Forgets every token held in process memory (tests; the database is untouched).
void clear_memory_token_cache();

} // namespace zc::zoom
