#include "core/crypto.hpp"
#include "core/services/join_service.hpp"
#include "core/signature.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace std::chrono_literals;
namespace sig = zc::signature;

namespace {

// The Meeting SDK JWT of ../shared/zoom/test_vectors.txt (computed with Python's hmac,
// independently of this code): key "abc123", secret "sdk_secret_xyz", meeting
// 123456789, role 0, iat 1646937553, exp = tokenExp = iat + 7200.
constexpr const char* k_vector_jwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJhcHBLZXkiOiJhYmMxMjMiLCJzZGtLZXkiOiJhYmMxMjMiLCJtbiI6IjEyMzQ1Njc4OSIsInJvbGUiOjAsImlhdCI6MTY0NjkzNzU1MywiZXhw"
    "IjoxNjQ2OTQ0NzUzLCJ0b2tlbkV4cCI6MTY0Njk0NDc1M30."
    "ZjVyhxstd53sltmw9VJfsu1z5dhe602xvam_fOj2iks";
constexpr std::int64_t k_vector_iat = 1646937553;

zc::Seconds at(std::int64_t unix)
{
  return zc::Seconds(std::chrono::seconds(unix));
}

nlohmann::json payload_of(const std::string& jwt)
{
  const auto a = jwt.find('.');
  const auto b = jwt.find('.', a + 1);
  std::string text;
  REQUIRE(zc::crypto::base64url_decode(jwt.substr(a + 1, b - a - 1), text));
  return nlohmann::json::parse(text);
}

} // namespace

TEST_CASE("signature::make_sdk_signature reproduces the test vector byte for byte")
{
  auto s = sig::make_sdk_signature("abc123", "sdk_secret_xyz", "123456789", sig::SdkRole::participant, at(k_vector_iat),
                                   7200s);
  REQUIRE(s);
  CHECK(s->jwt == k_vector_jwt);
  CHECK(s->meeting_number == "123456789");
  CHECK(s->issued_at == at(k_vector_iat));
  CHECK(s->expires_at == at(k_vector_iat + 7200));
}

TEST_CASE("signature::make_sdk_signature claims: exactly the seven, mn a string, exp = tokenExp = iat + ttl")
{
  auto s = sig::make_sdk_signature("key", "secret", "85746065432", sig::SdkRole::host, at(2000000000), 1800s);
  REQUIRE(s);
  const auto p = payload_of(s->jwt);
  CHECK(p.size() == 7);
  CHECK(p["appKey"] == "key");
  CHECK(p["sdkKey"] == "key");
  CHECK(p["mn"] == "85746065432");
  CHECK(p["role"] == 1);
  CHECK(p["iat"] == 2000000000);
  CHECK(p["exp"] == 2000001800);
  CHECK(p["tokenExp"] == 2000001800);
  // The header is fixed and the MAC covers "header.payload" under the secret.
  const auto last = s->jwt.rfind('.');
  CHECK(s->jwt.substr(0, s->jwt.find('.')) == zc::crypto::base64url_encode(R"({"alg":"HS256","typ":"JWT"})"));
  CHECK(s->jwt.substr(last + 1) ==
        zc::crypto::base64url_encode(zc::crypto::hmac_sha256("secret", s->jwt.substr(0, last))));
}

TEST_CASE("signature::make_sdk_signature ttl bounds are 1800 and 172800 seconds")
{
  const auto now = at(2000000000);
  CHECK(sig::make_sdk_signature("k", "s", "123456789", sig::SdkRole::participant, now, 1800s));
  CHECK(sig::make_sdk_signature("k", "s", "123456789", sig::SdkRole::participant, now, 172800s));
  auto low = sig::make_sdk_signature("k", "s", "123456789", sig::SdkRole::participant, now, 1799s);
  REQUIRE_FALSE(low);
  CHECK(low.error().kind == zc::ErrorKind::invalid_input);
  CHECK(low.error().message.find("1800") != std::string::npos);
  auto high = sig::make_sdk_signature("k", "s", "123456789", sig::SdkRole::participant, now, 172801s);
  REQUIRE_FALSE(high);
  CHECK(high.error().kind == zc::ErrorKind::invalid_input);
  CHECK(sig::check_ttl(sig::k_default_ttl));
  CHECK(sig::k_default_ttl == 7200s);
}

TEST_CASE("signature::make_sdk_signature refuses missing credentials and bad meeting numbers")
{
  const auto now = at(2000000000);
  auto nokey = sig::make_sdk_signature("", "s", "123456789", sig::SdkRole::participant, now);
  REQUIRE_FALSE(nokey);
  CHECK(nokey.error().kind == zc::ErrorKind::config);
  CHECK(nokey.error().message.find("ZOOM_SDK_KEY") != std::string::npos);
  CHECK_FALSE(sig::make_sdk_signature("k", "", "123456789", sig::SdkRole::participant, now));
  for (const char* bad : {"", "0", "abc", "12.5", "-", "99999999999999999999", "9223372036854775808"}) {
    CAPTURE(bad);
    auto r = sig::make_sdk_signature("k", "s", bad, sig::SdkRole::participant, now);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == zc::ErrorKind::invalid_input);
  }
}

TEST_CASE("signature::normalize_meeting_number drops spaces, dashes and leading zeros")
{
  CHECK(*sig::normalize_meeting_number("857 4606 5432") == "85746065432");
  CHECK(*sig::normalize_meeting_number("857-4606-5432") == "85746065432");
  CHECK(*sig::normalize_meeting_number("0123456789") == "123456789");
  CHECK(*sig::normalize_meeting_number("9223372036854775807") == "9223372036854775807");
}

TEST_CASE("signature::parse_role")
{
  CHECK(sig::parse_role("0") == sig::SdkRole::participant);
  CHECK(sig::parse_role("1") == sig::SdkRole::host);
  CHECK(sig::parse_role("host") == sig::SdkRole::host);
  CHECK_FALSE(sig::parse_role("2"));
  CHECK_FALSE(sig::parse_role(""));
}

TEST_CASE("services::parse_signature_request coerces strings and lists every problem")
{
  using zc::services::parse_signature_request;
  auto ok = parse_signature_request(
      nlohmann::json::parse(R"({"meetingNumber": "857 4606 5432", "role": "1", "expirationSeconds": "1800"})"));
  CHECK(ok.errors.empty());
  CHECK(ok.request.meeting_number == "85746065432");
  CHECK(ok.request.role == sig::SdkRole::host);
  CHECK(ok.request.ttl == 1800s);
  auto by_session = parse_signature_request(nlohmann::json::parse(R"({"sessionId": 12, "role": 0})"));
  CHECK(by_session.errors.empty());
  CHECK(by_session.request.session_id == 12);
  CHECK_FALSE(by_session.request.meeting_number);
  CHECK(by_session.request.ttl == sig::k_default_ttl);

  auto bad = parse_signature_request(
      nlohmann::json::parse(R"({"meetingNumber": "abc", "sessionId": "x", "role": 2, "expirationSeconds": 60})"));
  std::vector<std::string> props;
  for (const auto& e : bad.errors) {
    props.push_back(e.property);
    CHECK_FALSE(e.reason.empty());
  }
  CHECK(props == std::vector<std::string>{"meetingNumber", "sessionId", "role", "expirationSeconds"});
  auto empty = parse_signature_request(nlohmann::json::object());
  CHECK(empty.errors.size() == 2);
  const auto j = zc::services::to_json(bad.errors);
  CHECK(j["errors"][0]["property"] == "meetingNumber");
}
