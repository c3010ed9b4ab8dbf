#include "test_attendance_support.hpp"

#include "core/crypto.hpp"
#include "core/webhook.hpp"

#include <doctest/doctest.h>

#include <cctype>
#include <map>
#include <string>

using zc::webhook::EventType;
using zc::webhook::Headers;
using zc::webhook::Rejection;
using zc_test::at;
using zc_test::k_2019_joined;
using zc_test::k_2019_left;
using zc_test::k_captured_ended;
using zc_test::k_captured_joined;
using zc_test::k_captured_left;
using zc_test::k_captured_started;

namespace {

// From ../shared/zoom/test_vectors.txt (computed with Python's hmac, not by this code).
constexpr std::string_view k_vector_body =
    R"({"event":"session.started","payload":{"account_id":"{ACCOUNT_ID}","object":{"start_time":"2022-07-27T16:56:34Z","id":"{SESSION_ID}"}},"event_ts":1658940994914})";
constexpr std::string_view k_vector_ts = "1658940994";
constexpr std::string_view k_vector_sig = "v0=c30141388c7131588383046c55e752dde528bd51bcd605e16ce3e1fd42591c16";

zc::webhook::VerifyOptions options_at(std::int64_t now_s)
{
  zc::webhook::VerifyOptions o;
  o.secret = std::string(zc_test::k_secret);
  o.now = zc::Seconds(std::chrono::seconds(now_s));
  return o;
}

zc::webhook::Event parse(std::string_view body)
{
  const auto json = nlohmann::json::parse(body);
  auto e = zc::webhook::parse_event(json, body);
  REQUIRE_MESSAGE(e.has_value(), (e ? "" : e.error().message));
  return *e;
}

} // namespace

TEST_CASE("webhook::signature matches the test vector")
{
  CHECK(zc::webhook::signature(zc_test::k_secret, k_vector_ts, k_vector_body) == k_vector_sig);
}

TEST_CASE("webhook::verify accepts the test vector and reads the event")
{
  const Headers h{{"x-zm-request-timestamp", std::string(k_vector_ts)}, {"x-zm-signature", std::string(k_vector_sig)}};
  const auto v = zc::webhook::verify(k_vector_body, h, options_at(1658940994));
  REQUIRE(v.ok());
  CHECK(v.event == "session.started");
  CHECK(v.body["payload"]["object"]["id"] == "{SESSION_ID}");
}

TEST_CASE("webhook::verify looks headers up case-insensitively")
{
  const Headers h{{"X-Zm-Request-Timestamp", std::string(k_vector_ts)}, {"X-ZM-SIGNATURE", std::string(k_vector_sig)}};
  CHECK(zc::webhook::verify(k_vector_body, h, options_at(1658940994)).ok());
  const std::map<std::string, std::string> m{{"X-ZM-Request-Timestamp", std::string(k_vector_ts)},
                                             {"x-zm-signature", std::string(k_vector_sig)}};
  CHECK(zc::webhook::verify(k_vector_body, Headers::from(m), options_at(1658940994)).ok());
}

TEST_CASE("webhook::verify says exactly why a delivery is rejected")
{
  const auto opts = options_at(1658940994);
  const std::string ts(k_vector_ts);
  const std::string sig(k_vector_sig);

  SUBCASE("missing signature")
  {
    const auto v = zc::webhook::verify(k_vector_body, Headers{{"x-zm-request-timestamp", ts}}, opts);
    CHECK(v.rejection == Rejection::missing_signature);
    CHECK(zc::webhook::http_status(v.rejection) == 401);
  }
  SUBCASE("missing timestamp")
  {
    const auto v = zc::webhook::verify(k_vector_body, Headers{{"x-zm-signature", sig}}, opts);
    CHECK(v.rejection == Rejection::missing_timestamp);
  }
  SUBCASE("malformed timestamp")
  {
    const auto v = zc::webhook::verify(k_vector_body,
                                       Headers{{"x-zm-request-timestamp", "16589x"}, {"x-zm-signature", sig}}, opts);
    CHECK(v.rejection == Rejection::malformed_timestamp);
  }
  SUBCASE("one byte of the body changed")
  {
    std::string body(k_vector_body);
    body[body.size() - 2] = '5';
    const auto v = zc::webhook::verify(body, Headers{{"x-zm-request-timestamp", ts}, {"x-zm-signature", sig}}, opts);
    CHECK(v.rejection == Rejection::bad_signature);
    CHECK(zc::webhook::to_string(v.rejection) == "bad_signature");
    CHECK(v.message.find("zoom_test_secret") == std::string::npos);
  }
  SUBCASE("wrong secret")
  {
    auto o = opts;
    o.secret = "another";
    const auto v =
        zc::webhook::verify(k_vector_body, Headers{{"x-zm-request-timestamp", ts}, {"x-zm-signature", sig}}, o);
    CHECK(v.rejection == Rejection::bad_signature);
  }
  SUBCASE("empty secret never verifies")
  {
    auto o = opts;
    o.secret.clear();
    const std::string body = "{\"event\":\"x\"}";
    const auto h = Headers{{"x-zm-request-timestamp", ts}, {"x-zm-signature", zc::webhook::signature("", ts, body)}};
    CHECK(zc::webhook::verify(body, h, o).rejection == Rejection::bad_signature);
  }
  SUBCASE("upper-case hex is not Zoom's format")
  {
    std::string upper = sig;
    for (auto& c : upper) {
      c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    const auto v =
        zc::webhook::verify(k_vector_body, Headers{{"x-zm-request-timestamp", ts}, {"x-zm-signature", upper}}, opts);
    CHECK(v.rejection == Rejection::bad_signature);
  }
  SUBCASE("timestamp window, both directions")
  {
    const Headers h{{"x-zm-request-timestamp", ts}, {"x-zm-signature", sig}};
    CHECK(zc::webhook::verify(k_vector_body, h, options_at(1658940994 + 300)).ok());
    CHECK(zc::webhook::verify(k_vector_body, h, options_at(1658940994 - 300)).ok());
    CHECK_FALSE(zc::webhook::verify(k_vector_body, h, options_at(1658940994 + 300)).outside_window);
    CHECK_FALSE(zc::webhook::verify(k_vector_body, h, options_at(1658940994 - 300)).outside_window);
    // Outside the window: accepted and flagged (a retry may carry its first timestamp), never refused.
    for (const std::int64_t now : {1658940994 + 301, 1658940994 - 301, 1658940994 + 86400}) {
      const auto v = zc::webhook::verify(k_vector_body, h, options_at(now));
      CHECK(v.ok());
      CHECK(v.outside_window);
      CHECK(v.skew == (now > 1658940994 ? now - 1658940994 : 1658940994 - now));
    }
    auto wide = options_at(1658940994 + 3600);
    wide.tolerance = std::chrono::seconds(3600);
    CHECK_FALSE(zc::webhook::verify(k_vector_body, h, wide).outside_window);
  }
  SUBCASE("body too large")
  {
    auto o = opts;
    o.max_body = 100;
    const auto v =
        zc::webhook::verify(k_vector_body, Headers{{"x-zm-request-timestamp", ts}, {"x-zm-signature", sig}}, o);
    CHECK(v.rejection == Rejection::body_too_large);
    CHECK(zc::webhook::http_status(v.rejection) == 413);
    const std::string huge(zc::webhook::k_default_max_body + 1, ' ');
    CHECK(zc::webhook::verify(huge, zc_test::signed_headers(huge, 1658940994), opts).rejection ==
          Rejection::body_too_large);
  }
  SUBCASE("malformed JSON, correctly signed")
  {
    const std::string body = "{\"event\": \"meeting.started\", ";
    const auto v = zc::webhook::verify(body, zc_test::signed_headers(body, 1658940994), opts);
    CHECK(v.rejection == Rejection::malformed_json);
    CHECK(zc::webhook::http_status(v.rejection) == 400);
  }
  SUBCASE("a JSON array is not an event")
  {
    const std::string body = "[1,2]";
    CHECK(zc::webhook::verify(body, zc_test::signed_headers(body, 1658940994), opts).rejection ==
          Rejection::malformed_json);
  }
  SUBCASE("missing event field")
  {
    const std::string body = R"({"payload":{},"event_ts":1})";
    const auto v = zc::webhook::verify(body, zc_test::signed_headers(body, 1658940994), opts);
    CHECK(v.rejection == Rejection::missing_event);
    CHECK(zc::webhook::http_status(v.rejection) == 400);
  }
}

TEST_CASE("webhook::url_validation_response gives the CRC answer")
{
  const auto r = zc::webhook::url_validation_response(zc_test::k_secret, "qgg8vlvZRS6UYooatFL8Aw");
  CHECK(r["plainToken"] == "qgg8vlvZRS6UYooatFL8Aw");
  CHECK(r["encryptedToken"] == "40a58fc396b81cf5fa0ee7d3431e19801ad5c46f66d6891a405bdb809268503d");
  const auto e = parse(
      R"({"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"})");
  CHECK(e.type == EventType::url_validation);
  CHECK(e.plain_token == "qgg8vlvZRS6UYooatFL8Aw");
}

TEST_CASE("webhook::parse_event reads the captured 2022 payloads")
{
  const auto started = parse(k_captured_started);
  CHECK(started.type == EventType::meeting_started);
  CHECK(started.meeting_id == "86431910364");
  CHECK(started.meeting_number == 86431910364);
  CHECK(started.meeting_uuid == "hwkAADUySwyG3GyUkqc0vA==");
  CHECK(started.start_time == at("2022-03-23T12:33:26Z"));
  CHECK(started.event_ts == 1648038806658);

  const auto joined = parse(k_captured_joined);
  CHECK(joined.type == EventType::participant_joined);
  REQUIRE(joined.participant);
  CHECK(joined.participant->participant_key == "16778240");
  CHECK(joined.participant->zoom_user_id == "tUo7WohjTs6ELvl9WR3JAA");
  CHECK(joined.participant->email == "jan.simonek@gmail.com");
  CHECK(joined.participant->name == "Jan Šimonek");
  CHECK(joined.participant->registrant_id.empty());
  CHECK(joined.participant->join_time == at("2022-03-23T12:33:26Z"));
  CHECK_FALSE(joined.participant->leave_time);

  const auto left = parse(k_captured_left);
  REQUIRE(left.participant);
  CHECK(left.participant->registrant_id.empty());
  CHECK(left.participant->leave_time == at("2022-03-23T12:33:39Z"));
  CHECK(left.participant->leave_reason.find("Host ended") != std::string::npos);

  const auto ended = parse(k_captured_ended);
  CHECK(ended.type == EventType::meeting_ended);
  CHECK(ended.end_time == at("2022-03-23T12:33:39Z"));
}

TEST_CASE("webhook::parse_event reads the 2019 format without participant_uuid or email")
{
  const auto j = parse(k_2019_joined);
  REQUIRE(j.participant);
  CHECK(j.participant->participant_uuid.empty());
  CHECK(j.participant->email.empty());
  CHECK(j.participant->participant_key == "16780288");
  CHECK(j.participant->zoom_user_id == "0suXBYNISdOR71g8xuvdxQ");
  CHECK(j.meeting_number == 842077624);
  const auto l = parse(k_2019_left);
  REQUIRE(l.participant);
  CHECK(l.participant->participant_key == "16778240"); // user_id changed between join and leave
  CHECK(l.participant->leave_time == at("2019-11-02T19:43:48Z"));
}

TEST_CASE("webhook::parse_event accepts the uncertain variants")
{
  SUBCASE("object.id as a number, participant_uuid and customer_key present, registrant_id missing")
  {
    const auto e = parse(
        R"({"event":"meeting.participant_joined","event_ts":1,"payload":{"object":{"id":84712639219,"uuid":"gsqg0HKxTQ2TxSVAxE9+0w==","participant":{"user_id":"16790528","user_name":"Ji Park","participant_user_id":"","email":"","participant_uuid":"67C1A429-1476-BE1C-7324-EDCA76B69406","customer_key":"42","join_time":"2025-01-29T20:23:00Z"}}}})");
    CHECK(e.meeting_id == "84712639219");
    CHECK(e.meeting_number == 84712639219);
    REQUIRE(e.participant);
    CHECK(e.participant->participant_key == "67C1A429-1476-BE1C-7324-EDCA76B69406");
    CHECK(e.participant->customer_key == "42");
    CHECK(e.participant->email.empty());
    CHECK(e.participant->zoom_user_id.empty());
  }
  SUBCASE("an offset or fractional seconds in a time")
  {
    const auto e = parse(
        R"({"event":"meeting.participant_left","payload":{"object":{"id":"1","uuid":"u","participant":{"user_id":"9","leave_time":"2025-01-29T22:23:00.250+02:00"}}}})");
    CHECK(e.participant->leave_time == at("2025-01-29T20:23:00Z"));
  }
  SUBCASE("a non-numeric meeting id is kept as text")
  {
    const auto e = parse(R"({"event":"meeting.started","payload":{"object":{"id":"{MEETING_ID}","uuid":"{MEETING_UUID}",
        "start_time":"2021-11-02T20:43:19Z"}},"event_ts":1635885799302})");
    CHECK(e.meeting_id == "{MEETING_ID}");
    CHECK_FALSE(e.meeting_number);
  }
  SUBCASE("an unknown event type")
  {
    const std::string_view raw =
        R"({"event":"meeting.participant_role_changed","payload":{"object":{"id":"84712639219","uuid":"x"}}})";
    const auto e = parse(raw);
    CHECK(e.type == EventType::other);
    CHECK(e.dedupe_key == zc::crypto::sha256_hex(raw));
  }
}

TEST_CASE("webhook::parse_event names what a known event lacks")
{
  auto err = [](std::string_view body) {
    auto e = zc::webhook::parse_event(nlohmann::json::parse(body), body);
    REQUIRE_FALSE(e.has_value());
    CHECK(e.error().kind == zc::ErrorKind::invalid_input);
    return e.error().message;
  };
  CHECK(err(R"({"event":"meeting.participant_joined","payload":{"object":{"id":"1","participant":{"user_id":"9"}}}})")
            .find("join_time") != std::string::npos);
  CHECK(
      err(R"({"event":"meeting.participant_joined","payload":{"object":{"id":"1","participant":{"user_id":"9","join_time":"yesterday"}}}})")
          .find("participant.join_time") != std::string::npos);
  CHECK(err(R"({"event":"meeting.started","payload":{}})").find("payload.object") != std::string::npos);
  CHECK(err(R"({"event":"meeting.started","payload":{"object":{"topic":"x"}}})").find("id") != std::string::npos);
  CHECK(
      err(R"({"event":"meeting.participant_left","payload":{"object":{"id":"1","participant":{"leave_time":"2025-01-29T20:23:00Z"}}}})")
          .find("identity") != std::string::npos);
}

TEST_CASE("webhook::parse_event takes times from the payload, not from event_ts")
{
  // event_ts says 12:40:00, the participant joined at 12:33:26 (delivery 6.5 min late).
  const auto e = parse(
      R"({"event":"meeting.participant_joined","event_ts":1648039200000,"payload":{"object":{"id":"86431910364","uuid":"u","participant":{"user_id":"1","join_time":"2022-03-23T12:33:26Z"}}}})");
  CHECK(e.participant->join_time == at("2022-03-23T12:33:26Z"));
  // Only a meeting event without its time falls back to event_ts.
  const auto s =
      parse(R"({"event":"meeting.ended","event_ts":1648038819111,"payload":{"object":{"id":"1","uuid":"u"}}})");
  CHECK(s.end_time == at("2022-03-23T12:33:39Z"));
}

TEST_CASE("webhook::dedupe_key folds retries and duplicates, separates different events")
{
  const auto a = parse(k_captured_left);
  // Same content re-serialised compactly, a different event_ts (a duplicate from another sender).
  auto j = nlohmann::json::parse(k_captured_left);
  j["event_ts"] = 1648038899999;
  const std::string dup = j.dump();
  CHECK(parse(dup).dedupe_key == a.dedupe_key);
  // A different leave_time is another leave.
  j["payload"]["object"]["participant"]["leave_time"] = "2022-03-23T12:40:00Z";
  CHECK(parse(j.dump()).dedupe_key != a.dedupe_key);
  // Joined and left of the same participant differ.
  CHECK(parse(k_captured_joined).dedupe_key != a.dedupe_key);
  // Numeric and string meeting ids fold.
  auto n = nlohmann::json::parse(k_captured_started);
  n["payload"]["object"]["id"] = 86431910364;
  CHECK(parse(n.dump()).dedupe_key == parse(k_captured_started).dedupe_key);
  CHECK(parse(k_captured_started).dedupe_key != parse(k_captured_ended).dedupe_key);
  CHECK(a.dedupe_key.size() == 64);
}
