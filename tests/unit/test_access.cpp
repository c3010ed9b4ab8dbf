#include "core/access.hpp"
#include "core/crypto.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace std::chrono_literals;
namespace ac = zc::access;

namespace {

constexpr const char* k_secret = "link-secret-0123456789abcdef";

zc::Seconds at(std::int64_t unix)
{
  return zc::Seconds(std::chrono::seconds(unix));
}

ac::LinkClaims claims(std::int64_t uid, std::int64_t exp)
{
  ac::LinkClaims c;
  c.uid = uid;
  c.expires_at = at(exp);
  return c;
}

} // namespace

TEST_CASE("access::sign_token and verify_token round trip")
{
  auto c = claims(42, 2000003600);
  c.session_id = 7;
  c.lang = "ar";
  const auto token = ac::sign_token(k_secret, c);
  CHECK(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") ==
        std::string::npos);
  auto v = ac::verify_token(k_secret, token, at(2000000000));
  REQUIRE(v);
  CHECK(v->uid == 42);
  CHECK(v->expires_at == at(2000003600));
  CHECK(v->session_id == 7);
  CHECK(v->lang == "ar");

  auto plain = ac::verify_token(k_secret, ac::sign_token(k_secret, claims(5, 2000003600)), at(2000000000));
  REQUIRE(plain);
  CHECK_FALSE(plain->session_id);
  CHECK_FALSE(plain->lang);
}

TEST_CASE("access::sign_token has the documented format")
{
  auto c = claims(42, 2000003600);
  c.session_id = 7;
  const auto token = ac::sign_token(k_secret, c);
  const auto dot = token.find('.');
  std::string payload;
  REQUIRE(zc::crypto::base64url_decode(token.substr(0, dot), payload));
  CHECK(payload == R"({"uid":42,"exp":2000003600,"sid":7,"v":1})");
  CHECK(token.substr(dot + 1) == zc::crypto::base64url_encode(zc::crypto::hmac_sha256(k_secret, token.substr(0, dot))));
}

TEST_CASE("access tokens carry the link generation when it is not 0")
{
  auto c = claims(42, 2000003600);
  c.generation = 3;
  const auto token = ac::sign_token(k_secret, c);
  std::string payload;
  REQUIRE(zc::crypto::base64url_decode(token.substr(0, token.find('.')), payload));
  CHECK(payload == R"({"uid":42,"exp":2000003600,"gen":3,"v":1})");
  const auto back = ac::verify_token(k_secret, token, at(2000000000));
  REQUIRE(back);
  CHECK(back->generation == 3);
  // Tokens made before generations existed read as generation 0.
  const auto old = ac::verify_token(k_secret, ac::sign_token(k_secret, claims(42, 2000003600)), at(2000000000));
  REQUIRE(old);
  CHECK(old->generation == 0);
  // A negative or non-integer generation is malformed, even under a good MAC.
  for (const char* bad :
       {R"({"uid":42,"exp":2000003600,"gen":-1,"v":1})", R"({"uid":42,"exp":2000003600,"gen":"1","v":1})"}) {
    const auto body = zc::crypto::base64url_encode(bad);
    const auto forged = body + "." + zc::crypto::base64url_encode(zc::crypto::hmac_sha256(k_secret, body));
    const auto r = ac::verify_token(k_secret, forged, at(2000000000));
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("malformed") != std::string::npos);
  }
}

TEST_CASE("access::verify_token refuses expired tokens and says to ask for a new link")
{
  const auto token = ac::sign_token(k_secret, claims(42, 2000000000));
  CHECK(ac::verify_token(k_secret, token, at(1999999999)));
  auto r = ac::verify_token(k_secret, token, at(2000000000));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == zc::ErrorKind::auth);
  CHECK(r.error().message.find("expired") != std::string::npos);
  CHECK(r.error().message.find("ask for a new link") != std::string::npos);
}

TEST_CASE("access::verify_token refuses forged, altered and malformed tokens")
{
  const auto now = at(2000000000);
  const auto token = ac::sign_token(k_secret, claims(42, 2000003600));
  const auto dot = token.find('.');

  SUBCASE("another secret")
  {
    auto r = ac::verify_token("another-secret-0123456789", token, now);
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("signature") != std::string::npos);
  }
  SUBCASE("payload changed to another user, old MAC kept")
  {
    const auto forged = zc::crypto::base64url_encode(R"({"uid":1,"exp":2000003600,"v":1})") + token.substr(dot);
    CHECK_FALSE(ac::verify_token(k_secret, forged, now));
  }
  SUBCASE("expiry extended, old MAC kept")
  {
    const auto forged = zc::crypto::base64url_encode(R"({"uid":42,"exp":2100000000,"v":1})") + token.substr(dot);
    CHECK_FALSE(ac::verify_token(k_secret, forged, now));
  }
  SUBCASE("a validly signed payload that is not ours")
  {
    const auto body = zc::crypto::base64url_encode(R"({"uid":"42","exp":2000003600,"v":1})");
    CHECK_FALSE(ac::verify_token(
        k_secret, body + "." + zc::crypto::base64url_encode(zc::crypto::hmac_sha256(k_secret, body)), now));
    const auto v2 = zc::crypto::base64url_encode(R"({"uid":42,"exp":2000003600,"v":2})");
    CHECK_FALSE(ac::verify_token(k_secret,
                                 v2 + "." + zc::crypto::base64url_encode(zc::crypto::hmac_sha256(k_secret, v2)), now));
  }
  SUBCASE("malformed")
  {
    for (const std::string& bad : {std::string(), std::string("."), std::string("abc"), token.substr(0, dot),
                                   token + ".x", token.substr(0, token.size() - 3), std::string("!!.??")}) {
      CAPTURE(bad);
      auto r = ac::verify_token(k_secret, bad, now);
      REQUIRE_FALSE(r);
      CHECK(r.error().kind == zc::ErrorKind::auth);
      CHECK(r.error().message.find("ask for a new link") != std::string::npos);
    }
  }
}

TEST_CASE("access::check_ttl and check_lang")
{
  CHECK(ac::check_ttl(ac::k_default_ttl));
  CHECK(ac::k_default_ttl == 12h);
  CHECK(ac::check_ttl(60s));
  CHECK_FALSE(ac::check_ttl(59s));
  CHECK(ac::check_ttl(std::chrono::hours(24 * 31)));
  CHECK_FALSE(ac::check_ttl(std::chrono::hours(24 * 31) + 1s));
  CHECK(ac::check_lang("ar"));
  CHECK(ac::check_lang("en"));
  CHECK_FALSE(ac::check_lang("fr"));
}

TEST_CASE("access::page_path and link_url")
{
  CHECK(*ac::page_path(ac::Page::home, zc::Role::instructor, std::nullopt) == "/instructor/sessions");
  CHECK(*ac::page_path(ac::Page::home, zc::Role::learner, std::nullopt) == "/my-courses");
  CHECK(*ac::page_path(ac::Page::join, zc::Role::learner, 12) == "/session/12/join");
  CHECK(*ac::page_path(ac::Page::join, zc::Role::instructor, 12) == "/session/12/join");
  CHECK(*ac::page_path(ac::Page::attendance, zc::Role::instructor, 12) == "/instructor/sessions/12/attendance");
  CHECK_FALSE(ac::page_path(ac::Page::attendance, zc::Role::learner, 12));
  CHECK_FALSE(ac::page_path(ac::Page::join, zc::Role::learner, std::nullopt));
  CHECK(ac::link_url("https://x.example/", "/my-courses", "a.b") == "https://x.example/my-courses?token=a.b");
  CHECK(ac::parse_page("attendance") == ac::Page::attendance);
  CHECK_FALSE(ac::parse_page("admin"));
}
