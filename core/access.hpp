#pragma once
// Access links: the signed, expiring tokens `zoomctl link` puts in a page URL
// (`?token=`) and the pages send back as `Authorization: Bearer`. A token is
// base64url(JSON {uid, exp, sid?, lang?, v:1}) "." base64url(HMAC-SHA256(secret, payload)),
// where the HMAC covers the encoded payload text. Pure functions; the caller supplies the time.

#include "core/model.hpp"
#include "core/util/expected.hpp"
#include "core/util/time.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zc::access {

/// The lifetime of a link when none is asked for.
inline constexpr std::chrono::seconds k_default_ttl{std::chrono::hours(12)};
/// The shortest lifetime a link may be given.
inline constexpr std::chrono::seconds k_min_ttl{60};
/// The longest lifetime a link may be given (31 days).
inline constexpr std::chrono::seconds k_max_ttl{std::chrono::hours(24 * 31)};
/// The token format version this code writes and accepts.
inline constexpr int k_version = 1;

/// What an access-link token says.
struct LinkClaims {
  std::int64_t uid = 0;                   ///< the user the link was made for
  Seconds expires_at;                     ///< `exp`, Unix seconds
  std::optional<std::int64_t> session_id; ///< `sid`: the session the link opens, if any
  std::optional<std::string> lang;        ///< `lang`: "ar" or "en", the page's language
  std::int64_t generation = 0;            ///< `gen`: the person's link generation when it was made (0 if absent)
};

/// Checks that `ttl` lies within [`k_min_ttl`, `k_max_ttl`]; the error (invalid_input) names the bounds.
Expected<void> check_ttl(std::chrono::seconds ttl);

/// Checks that `lang` is a language the pages speak ("ar" or "en").
Expected<void> check_lang(std::string_view lang);

/// Signs `claims` with `secret` into a URL-safe token.
std::string sign_token(std::string_view secret, const LinkClaims& claims);

/// Verifies `token` against `secret` at time `now` (constant-time MAC comparison):
/// the error (auth) says whether it is malformed, forged or expired and to ask for a new link.
Expected<LinkClaims> verify_token(std::string_view secret, std::string_view token, Seconds now);

/// Which page a link opens.
enum class Page {
  home,      ///< `/instructor/sessions` for instructors, `/my-courses` for everyone else
  join,      ///< `/session/{id}/join`
  attendance ///< `/instructor/sessions/{id}/attendance`
};

/// Parses "home", "join" or "attendance".
std::optional<Page> parse_page(std::string_view text);

/// The path (no query) of `page` for a person with `role`; join and attendance need
/// `session_id` and attendance is for instructors only (invalid_input otherwise).
Expected<std::string> page_path(Page page, Role role, std::optional<std::int64_t> session_id);

/// `base_url` (ZOOMCTL_PUBLIC_URL, without a trailing slash) + `path` + "?token=" + `token`.
std::string link_url(std::string_view base_url, std::string_view path, std::string_view token);

} // namespace zc::access
