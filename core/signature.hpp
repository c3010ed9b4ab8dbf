#pragma once
// Meeting SDK signatures: the HS256 JWT a web page passes to the Zoom Meeting
// SDK's join call (REFERENCE section 6.1). Pure functions of their inputs; the
// caller supplies the time so that tests can reproduce a signature byte for byte.

#include "core/util/expected.hpp"
#include "core/util/time.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace zc::signature {

/// The shortest lifetime Zoom accepts for a Meeting SDK JWT (exp - iat).
inline constexpr std::chrono::seconds k_min_ttl{1800};
/// The longest lifetime Zoom accepts for a Meeting SDK JWT (48 hours).
inline constexpr std::chrono::seconds k_max_ttl{172800};
/// The lifetime used when none is asked for (two hours, as Zoom's sample).
inline constexpr std::chrono::seconds k_default_ttl{7200};

/// The role a signature grants in the meeting (the JWT's `role` claim).
enum class SdkRole : int { participant = 0, host = 1 };

/// Parses "0" or "1" (also "participant", "host"); nothing for anything else.
std::optional<SdkRole> parse_role(std::string_view text);

/// A signed Meeting SDK JWT with the times it carries.
struct SdkSignature {
  std::string jwt;
  std::string meeting_number; ///< the `mn` claim, digits only
  SdkRole role = SdkRole::participant;
  Seconds issued_at;  ///< `iat`
  Seconds expires_at; ///< `exp` and `tokenExp`
};

/// Checks that `ttl` lies within [`k_min_ttl`, `k_max_ttl`]; the error (invalid_input) names the bounds.
Expected<void> check_ttl(std::chrono::seconds ttl);

/// Normalises a meeting number: digits only (spaces and dashes as people type them are
/// dropped), 9 to 12 digits; the error (invalid_input) says what is wrong with `text`.
Expected<std::string> normalize_meeting_number(std::string_view text);

/// Signs a JWT for `meeting_number` and `role` with the SDK credentials `sdk_key` and
/// `sdk_secret`: header {"alg":"HS256","typ":"JWT"}, payload exactly {appKey, sdkKey, mn,
/// role, iat, exp, tokenExp} in that order with iat = `issued_at` and exp = tokenExp =
/// iat + `ttl`. Fails (invalid_input) on a bad ttl or meeting number, (config) on an empty key or secret.
Expected<SdkSignature> make_sdk_signature(std::string_view sdk_key, std::string_view sdk_secret,
                                          std::string_view meeting_number, SdkRole role, Seconds issued_at,
                                          std::chrono::seconds ttl = k_default_ttl);

} // namespace zc::signature
