#include "core/access.hpp"

#include "core/crypto.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace zc::access {

namespace {

constexpr std::string_view k_ask = "ask for a new link";

Error denied(std::string_view why)
{
  return make_error(ErrorKind::auth, fmt::format("{}; {}", why, k_ask));
}

std::string describe(std::chrono::seconds s)
{
  if (s.count() % 3600 == 0) {
    return fmt::format("{} h", s.count() / 3600);
  }
  if (s.count() % 60 == 0) {
    return fmt::format("{} min", s.count() / 60);
  }
  return fmt::format("{} s", s.count());
}

} // namespace

Expected<void> check_ttl(std::chrono::seconds ttl)
{
  if (ttl < k_min_ttl || ttl > k_max_ttl) {
    return make_error(ErrorKind::invalid_input,
                      fmt::format("--ttl: a link must live between {} and {} (31 days), not {}", describe(k_min_ttl),
                                  describe(k_max_ttl), describe(ttl)));
  }
  return {};
}

Expected<void> check_lang(std::string_view lang)
{
  if (lang != "ar" && lang != "en") {
    return make_error(ErrorKind::invalid_input,
                      fmt::format("--lang: '{}' is not a language of the pages (use ar or en)", lang.substr(0, 20)));
  }
  return {};
}

std::string sign_token(std::string_view secret, const LinkClaims& claims)
{
  nlohmann::ordered_json payload;
  payload["uid"] = claims.uid;
  payload["exp"] = static_cast<std::int64_t>(claims.expires_at.time_since_epoch().count());
  if (claims.session_id) {
    payload["sid"] = *claims.session_id;
  }
  if (claims.lang) {
    payload["lang"] = *claims.lang;
  }
  if (claims.generation != 0) {
    payload["gen"] = claims.generation;
  }
  payload["v"] = k_version;
  const auto body = crypto::base64url_encode(payload.dump());
  return body + "." + crypto::base64url_encode(crypto::hmac_sha256(secret, body));
}

Expected<LinkClaims> verify_token(std::string_view secret, std::string_view token, Seconds now)
{
  if (token.empty()) {
    return denied("no access token: open the page through the link you were sent");
  }
  const auto dot = token.find('.');
  if (dot == std::string_view::npos || token.find('.', dot + 1) != std::string_view::npos || dot == 0 ||
      dot + 1 == token.size()) {
    return denied("the access token is malformed (the link may have been cut short)");
  }
  const auto body = token.substr(0, dot);
  std::string mac;
  if (!crypto::base64url_decode(token.substr(dot + 1), mac)) {
    return denied("the access token is malformed (the link may have been cut short)");
  }
  // Compare the MAC before looking at the payload, in time independent of where they differ.
  if (!crypto::constant_time_equal(mac, crypto::hmac_sha256(secret, body))) {
    return denied("the access token's signature does not match (the link was altered or made for another server)");
  }
  std::string text;
  if (!crypto::base64url_decode(body, text)) {
    return denied("the access token is malformed");
  }
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("uid") || !j["uid"].is_number_integer() || !j.contains("exp") ||
      !j["exp"].is_number_integer() || !j.contains("v") || !j["v"].is_number_integer()) {
    return denied("the access token is malformed");
  }
  if (j["v"].get<int>() != k_version) {
    return denied("the access token is of an unknown version");
  }
  LinkClaims claims;
  claims.uid = j["uid"].get<std::int64_t>();
  claims.expires_at = Seconds(std::chrono::seconds(j["exp"].get<std::int64_t>()));
  if (j.contains("sid") && j["sid"].is_number_integer()) {
    claims.session_id = j["sid"].get<std::int64_t>();
  }
  if (j.contains("lang") && j["lang"].is_string()) {
    claims.lang = j["lang"].get<std::string>();
  }
  if (j.contains("gen")) {
    if (!j["gen"].is_number_integer() || j["gen"].get<std::int64_t>() < 0) {
      return denied("the access token is malformed");
    }
    claims.generation = j["gen"].get<std::int64_t>();
  }
  if (now >= claims.expires_at) {
    return denied(fmt::format("the link expired at {}", format_iso8601(claims.expires_at)));
  }
  return claims;
}

std::optional<Page> parse_page(std::string_view text)
{
  if (text == "home") {
    return Page::home;
  }
  if (text == "join") {
    return Page::join;
  }
  if (text == "attendance") {
    return Page::attendance;
  }
  return std::nullopt;
}

Expected<std::string> page_path(Page page, Role role, std::optional<std::int64_t> session_id)
{
  switch (page) {
  case Page::home:
    return std::string(role == Role::instructor ? "/instructor/sessions" : "/my-courses");
  case Page::join:
    if (!session_id) {
      return make_error(ErrorKind::invalid_input, "--session: the join page needs a session id");
    }
    return fmt::format("/session/{}/join", *session_id);
  case Page::attendance:
    if (!session_id) {
      return make_error(ErrorKind::invalid_input, "--session: the attendance page needs a session id");
    }
    if (role != Role::instructor) {
      return make_error(ErrorKind::invalid_input,
                        "--page attendance: the attendance page is for the session's instructor only");
    }
    return fmt::format("/instructor/sessions/{}/attendance", *session_id);
  }
  return make_error(ErrorKind::internal, "unknown page");
}

std::string link_url(std::string_view base_url, std::string_view path, std::string_view token)
{
  std::string base(base_url);
  while (!base.empty() && base.back() == '/') {
    base.pop_back();
  }
  return fmt::format("{}{}?token={}", base, path, token);
}

} // namespace zc::access
