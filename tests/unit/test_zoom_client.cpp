#include "test_zoom_support.hpp"

#include "core/log.hpp"
#include "core/zoom/client.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using namespace zc::zoom;
using namespace zc::zoom::test;

namespace {

// Bodies from /work/shared/zoom/payloads (copied: that directory is not in the source tree).
constexpr const char* k_1001 = R"({"code": 1001, "message": "User does not exist: foo"})";
constexpr const char* k_1005 = R"({"code": 1005, "message": "User already in the account: foo@bar.com"})";
constexpr const char* k_124 = R"({"code": 124, "message": "Access token is expired."})";
constexpr const char* k_4711 =
    R"({"code":4711,"message":"Invalid access token, does not contain scopes:[user:read:list_users:admin]."})";
constexpr const char* k_daily =
    R"({"code": 429, "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."})";
constexpr const char* k_validation = R"({"code": 300, "message": "Validation Failed.", "errors": [
  {"field": "user_info.email", "message": "Invalid field."}, {"field": "user_info.type", "message": "Invalid field."}]})";
constexpr const char* k_2034 =
    R"({"code":2034,"message":"Your request to add a new Licensed user could not be approved at this time because your account has reached the permitted maximum number of 10 users."})";
constexpr const char* k_3001 = R"({"code":3001,"message":"Meeting 123 is not found or has expired."})";
constexpr const char* k_create_meeting = R"({
  "uuid": "gFYYRVHMRdSWzGZX/6LsJA==", "id": 91538056781, "host_id": "r55v2FgSTVmDmVot18DX3A",
  "topic": "Zoom Meeting Topic", "type": 2, "status": "waiting", "start_time": "2020-05-05T21:00:00Z",
  "duration": 30, "timezone": "America/New_York", "created_at": "2020-05-05T21:29:12Z",
  "start_url": "https://company.zoom.us/s/91538056781?zak=eyJ6bV9za20iOiXXXX",
  "join_url": "https://company.zoom.us/j/91538056781", "settings": {"waiting_room": true}})";
constexpr const char* k_create_user =
    R"({"id": "foobar", "first_name": "Zoomie", "last_name": "Userton", "email": "foo@bar.com", "type": 1})";

ClientOptions fast_options()
{
  ClientOptions o;
  o.retry.base_delay = 1ms;
  o.retry.max_delay = 4ms;
  o.retry.max_total = 3s;
  o.client_rate_limit = false;
  return o;
}

// A client over a scripted transport whose token endpoint hands out tok0, tok1, ...
// and whose API answers come from `api`.
struct Rig {
  Scratch scratch;
  zc::db::Database db = scratch.open_db();
  zc::config::Config cfg = test_config();
  std::shared_ptr<Script> script = std::make_shared<Script>();
  int tokens = 0;
  std::function<HttpResult(const HttpRequest&, int n)> api;
  std::unique_ptr<ZoomClient> client;

  explicit Rig(ClientOptions options = fast_options())
  {
    clear_memory_token_cache();
    script->handler = [this](const HttpRequest& r, int n) -> HttpResult {
      if (r.url == cfg.oauth_url) {
        return token_response("tok" + std::to_string(tokens++));
      }
      return api(r, n);
    };
    client = std::make_unique<ZoomClient>(cfg, db, std::make_unique<ScriptedTransport>(script), options);
  }
  long long sql_count(const std::string& query)
  {
    SQLite::Statement q(db.sql(), query);
    q.executeStep();
    return q.getColumn(0).getInt64();
  }
  std::vector<HttpRequest> api_requests()
  {
    std::vector<HttpRequest> out;
    const std::lock_guard lock(script->mutex);
    for (const auto& r : script->requests) {
      if (r.url != cfg.oauth_url) {
        out.push_back(r);
      }
    }
    return out;
  }
};

} // namespace

TEST_CASE("zoom::client map_api_error quotes Zoom and says what to do")
{
  auto e = map_api_error(404, k_1001, "GET /users/foo");
  CHECK(e.kind == zc::ErrorKind::not_found);
  CHECK(e.http_status == 404);
  CHECK(e.zoom_code == 1001);
  CHECK(e.message.starts_with("Zoom said 404/1001: User does not exist: foo"));
  CHECK(e.message.find("zoomctl user provision") != std::string::npos);
  CHECK(is_user_not_found(e));
  CHECK_FALSE(is_user_exists(e));

  e = map_api_error(409, k_1005, "");
  CHECK(e.kind == zc::ErrorKind::conflict);
  CHECK(is_user_exists(e));
  CHECK(e.message.starts_with("Zoom said 409/1005: User already in the account: foo@bar.com"));

  e = map_api_error(400, k_validation, "POST /users");
  CHECK(e.kind == zc::ErrorKind::zoom);
  CHECK(e.zoom_code == 300);
  CHECK(e.message.find("user_info.email: Invalid field.") != std::string::npos);
  CHECK(e.message.find("user_info.type: Invalid field.") != std::string::npos);

  e = map_api_error(400, k_4711, "");
  CHECK(e.kind == zc::ErrorKind::auth);
  CHECK(e.message.find("scopes") != std::string::npos);

  e = map_api_error(400, k_2034, "");
  CHECK(is_license_limit(e));
  CHECK(e.message.find("license release") != std::string::npos);

  e = map_api_error(404, k_3001, "");
  CHECK(is_meeting_gone(e));
  CHECK(e.kind == zc::ErrorKind::not_found);

  e = map_api_error(401, k_124, "");
  CHECK(e.kind == zc::ErrorKind::auth);

  e = map_api_error(502, "<html>Bad Gateway</html>", "");
  CHECK(e.kind == zc::ErrorKind::zoom);
  CHECK(e.message.find("Bad Gateway") != std::string::npos);

  for (long code : {2033L, 2034L, 2038L, 3412L}) {
    zc::Error x;
    x.zoom_code = code;
    CHECK(is_license_limit(x));
  }
  zc::Error legacy;
  legacy.zoom_code = 200; // "No privilege." on an ordinary call is not a licence problem
  CHECK_FALSE(is_license_limit(legacy));
  zc::Error e1120;
  e1120.zoom_code = 1120;
  CHECK(is_user_not_found(e1120));
  zc::Error e1009;
  e1009.zoom_code = 1009;
  CHECK(is_user_exists(e1009));
}

TEST_CASE("zoom::client encode_meeting_id double-encodes awkward UUIDs")
{
  CHECK(encode_meeting_id("91538056781") == "91538056781");
  CHECK(encode_meeting_id("gFYYRVHMRdSWzGZX/6LsJA==") == "gFYYRVHMRdSWzGZX%2F6LsJA%3D%3D");
  CHECK(encode_meeting_id("/ajXp112QmuoKj4854875==") == "%252FajXp112QmuoKj4854875%253D%253D");
  CHECK(encode_meeting_id("abc//def==") == "abc%252F%252Fdef%253D%253D");
}

TEST_CASE("zoom::client parses meetings, users and participants")
{
  auto m = parse_meeting(nlohmann::json::parse(k_create_meeting));
  REQUIRE(m);
  CHECK(m->id == 91538056781);
  CHECK(m->uuid == "gFYYRVHMRdSWzGZX/6LsJA==");
  CHECK(m->host_id == "r55v2FgSTVmDmVot18DX3A");
  CHECK(m->join_url == "https://company.zoom.us/j/91538056781");
  CHECK(m->start_url.starts_with("https://company.zoom.us/s/91538056781?zak="));
  CHECK(m->duration == 30);
  CHECK(zc::format_iso8601(m->start_time.value()) == "2020-05-05T21:00:00Z");
  CHECK(m->status == "waiting");

  // Ids above 2^53 and ids sent as strings survive.
  auto big = parse_meeting(nlohmann::json::parse(R"({"id": 9223372036854775807})"));
  REQUIRE(big);
  CHECK(big->id == 9223372036854775807LL);
  auto str = parse_meeting(nlohmann::json::parse(R"({"id": "85746065432"})"));
  REQUIRE(str);
  CHECK(str->id == 85746065432LL);
  CHECK_FALSE(parse_meeting(nlohmann::json::parse(R"({"topic": "x"})")));

  const auto u = parse_user(nlohmann::json::parse(k_create_user));
  CHECK(u.id == "foobar");
  CHECK(u.email == "foo@bar.com");
  CHECK(u.type == 1);

  const auto p = parse_participant(nlohmann::json::parse(
      R"({"id":"","user_id":"16778240","name":"Learner","user_email":"","join_time":"2026-11-25T14:01:00Z",
          "leave_time":"2026-11-25T14:50:00Z","duration":2940,"customer_key":"42"})"));
  CHECK(p.customer_key == "42");
  CHECK(p.duration == 2940);
  CHECK(zc::format_iso8601(p.join_time.value()) == "2026-11-25T14:01:00Z");
}

TEST_CASE("zoom::client MeetingSpec to JSON")
{
  MeetingSpec spec;
  spec.topic = "Week 1";
  spec.start_time = zc::parse_iso8601("2026-11-25T14:00:00Z");
  spec.duration = 60;
  spec.timezone = "UTC";
  spec.settings.waiting_room = true;
  spec.settings.join_before_host = false;
  spec.settings.extra = {{"meeting_authentication", false}};
  const auto j = to_json(spec, true);
  CHECK(j["type"] == 2);
  CHECK(j["start_time"] == "2026-11-25T14:00:00Z");
  CHECK(j["duration"] == 60);
  CHECK(j["settings"]["waiting_room"] == true);
  CHECK(j["settings"]["join_before_host"] == false);
  CHECK(j["settings"]["meeting_authentication"] == false);
  CHECK_FALSE(j.contains("password"));

  MeetingSpec change;
  change.duration = 90;
  CHECK(to_json(change, false) == nlohmann::json{{"duration", 90}});
}

TEST_CASE("zoom::client sends the bearer token and JSON headers to the API base")
{
  Rig rig;
  rig.api = [](const HttpRequest&, int) -> HttpResult { return respond(200, R"({"id":"me1","email":"a@b.c"})"); };
  auto u = rig.client->get_user("a+b@example.com");
  REQUIRE(u);
  CHECK(u->id == "me1");
  const auto reqs = rig.api_requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].url == "https://api.test/v2/users/a%2Bb%40example.com");
  CHECK(reqs[0].headers.get("Authorization") == "Bearer tok0");
  CHECK(reqs[0].headers.get("accept") == "application/json");
}

TEST_CASE("zoom::client uses the token's api_url unless ZOOM_API_URL was set")
{
  Rig rig;
  rig.cfg.api_url_explicit = false;
  rig.script->handler = [&rig](const HttpRequest& r, int) -> HttpResult {
    if (r.url == rig.cfg.oauth_url) {
      return token_response("tok", 3600, "https://eu01api.test");
    }
    return respond(200, "{}");
  };
  rig.client =
      std::make_unique<ZoomClient>(rig.cfg, rig.db, std::make_unique<ScriptedTransport>(rig.script), fast_options());
  REQUIRE(rig.client->request(Method::get, "/users/me"));
  CHECK(rig.api_requests().at(0).url == "https://eu01api.test/v2/users/me");
}

TEST_CASE("zoom::client 401/124 drops the token, fetches a new one and retries once")
{
  Rig rig;
  rig.api = [](const HttpRequest& r, int) -> HttpResult {
    if (r.headers.get("Authorization") == "Bearer tok0") {
      return respond(401, k_124);
    }
    return respond(200, R"({"ok":true})");
  };
  const auto before = metrics().token_refreshes.load();
  auto j = rig.client->request(Method::get, "/users/me");
  REQUIRE(j);
  CHECK((*j)["ok"] == true);
  CHECK(rig.tokens == 2);
  CHECK(metrics().token_refreshes.load() - before == 1);
  // The database now holds the new token.
  CHECK(load_cached_token(rig.db, token_cache_key(rig.cfg.oauth_url, rig.cfg.account_id, rig.cfg.client_id))
            ->access_token == "tok1");

  // A second 401 is not retried again.
  Rig always;
  always.api = [](const HttpRequest&, int) -> HttpResult { return respond(401, k_124); };
  auto r = always.client->request(Method::get, "/users/me");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == zc::ErrorKind::auth);
  CHECK(always.tokens == 2);
  CHECK(always.api_requests().size() == 2);
}

TEST_CASE("zoom::client rides out 429s and 5xx within the budget")
{
  Rig rig;
  int calls = 0;
  rig.api = [&calls](const HttpRequest&, int) -> HttpResult {
    ++calls;
    if (calls == 1) {
      return respond(429,
                     R"({"code":429,"message":"You have reached the maximum per-second rate limit for this API."})",
                     {{"Retry-After", "0"}, {"X-RateLimit-Category", "Light"}});
    }
    if (calls == 2) {
      return respond(503, "");
    }
    if (calls == 3) {
      return NetworkError{NetworkErrorKind::dropped, "Empty reply from server"};
    }
    return respond(200, R"({"id":"u"})");
  };
  auto& m = metrics();
  const auto retries = m.retries.load();
  const auto limited = m.rate_limited.load();
  auto j = rig.client->request(Method::get, "/users/u");
  REQUIRE(j);
  CHECK(calls == 4);
  CHECK(m.retries.load() - retries == 3);
  CHECK(m.rate_limited.load() - limited == 1);
}

TEST_CASE("zoom::client gives up when the budget is spent")
{
  auto options = fast_options();
  options.retry.max_total = 50ms;
  Rig rig(options);
  rig.api = [](const HttpRequest&, int) -> HttpResult { return respond(503, R"({"code":503,"message":"down"})"); };
  const auto t0 = std::chrono::steady_clock::now();
  auto r = rig.client->request(Method::get, "/users/me");
  CHECK(std::chrono::steady_clock::now() - t0 < 2s);
  REQUIRE_FALSE(r);
  CHECK(r.error().http_status == 503);
  CHECK(r.error().message.find("gave up after") != std::string::npos);
}

TEST_CASE("zoom::client daily limit fails at once with the reset time")
{
  FixedClock clock(noon());
  Rig rig;
  rig.api = [](const HttpRequest&, int) -> HttpResult { return respond(429, k_daily); };
  MeetingSpec spec;
  spec.topic = "x";
  auto r = rig.client->create_meeting("host1", spec);
  REQUIRE_FALSE(r);
  CHECK(rig.api_requests().size() == 1);
  CHECK(r.error().http_status == 429);
  CHECK(r.error().message.find("2026-11-26T00:00:00Z") != std::string::npos);
  CHECK(r.error().message.find("wait a little") == std::string::npos);
  CHECK(is_daily_limit(r.error()));
}

TEST_CASE("zoom::client does not resend a POST that may have reached Zoom")
{
  Rig rig;
  rig.api = [](const HttpRequest&, int) -> HttpResult {
    return NetworkError{NetworkErrorKind::dropped, "Empty reply from server"};
  };
  MeetingSpec spec;
  spec.topic = "x";
  auto r = rig.client->create_meeting("host1", spec);
  REQUIRE_FALSE(r);
  CHECK(rig.api_requests().size() == 1);
  CHECK(r.error().message.find("may have reached Zoom") != std::string::npos);

  Rig refused;
  int n = 0;
  refused.api = [&n](const HttpRequest&, int) -> HttpResult {
    if (n++ == 0) {
      return NetworkError{NetworkErrorKind::connect, "Connection refused"};
    }
    return respond(201, k_create_meeting);
  };
  auto ok = refused.client->create_meeting("host1", spec);
  REQUIRE(ok);
  CHECK(ok->id == 91538056781);
  CHECK(refused.api_requests().size() == 2);
}

TEST_CASE("zoom::client typed calls use Zoom's paths, bodies and pages")
{
  Rig rig;
  rig.api = [](const HttpRequest& r, int) -> HttpResult {
    if (r.method == Method::post && r.url.ends_with("/users")) {
      return respond(201, k_create_user);
    }
    if (r.method == Method::get && r.url.find("/users?") != std::string::npos) {
      if (r.url.find("next_page_token=p2") != std::string::npos) {
        return respond(200, R"({"next_page_token":"","users":[{"id":"c","email":"c@x"}]})");
      }
      return respond(200, R"({"next_page_token":"p2","users":[{"id":"a","email":"a@x"},{"id":"b","email":"b@x"}]})");
    }
    if (r.method == Method::patch) {
      return respond(204, "");
    }
    if (r.method == Method::del) {
      return respond(204, "");
    }
    if (r.url.find("/token?type=zak") != std::string::npos) {
      return respond(200, R"({"token":"zak-secret-value-123"})");
    }
    if (r.url.find("/report/meetings/") != std::string::npos) {
      if (r.url.find("next_page_token=n2") != std::string::npos) {
        return respond(200, R"({"next_page_token":"","participants":[{"name":"B"}]})");
      }
      return respond(200, R"({"next_page_token":"n2","participants":[{"name":"A","customer_key":"7"}]})");
    }
    if (r.method == Method::get && r.url.find("/meetings/") != std::string::npos) {
      return respond(200, k_create_meeting);
    }
    return respond(404, k_3001);
  };

  auto u = rig.client->create_user("foo@bar.com", "Zoomie", "Userton");
  REQUIRE(u);
  CHECK(u->id == "foobar");
  auto body = nlohmann::json::parse(rig.api_requests().back().body);
  CHECK(body["action"] == "create");
  CHECK(body["user_info"]["email"] == "foo@bar.com");
  CHECK(body["user_info"]["type"] == 1);
  CHECK(body["user_info"]["first_name"] == "Zoomie");

  auto all = rig.client->list_users(UserStatus::pending);
  REQUIRE(all);
  CHECK(all->size() == 3);
  CHECK(rig.api_requests().back().url.find("status=pending") != std::string::npos);

  REQUIRE(rig.client->update_user_type("foobar", UserType::licensed));
  CHECK(rig.api_requests().back().url == "https://api.test/v2/users/foobar");
  CHECK(nlohmann::json::parse(rig.api_requests().back().body) == nlohmann::json{{"type", 2}});

  auto m = rig.client->get_meeting(91538056781);
  REQUIRE(m);
  CHECK(m->uuid == "gFYYRVHMRdSWzGZX/6LsJA==");
  REQUIRE(rig.client->delete_meeting(91538056781));
  CHECK(rig.api_requests().back().url == "https://api.test/v2/meetings/91538056781");

  MeetingSpec change;
  change.duration = 45;
  REQUIRE(rig.client->update_meeting(91538056781, change));
  CHECK(rig.api_requests().back().method == Method::patch);

  auto zak = rig.client->get_zak("foobar");
  REQUIRE(zak);
  CHECK(*zak == "zak-secret-value-123");
  CHECK(zc::log::redact("zak-secret-value-123") == "[redacted]");

  auto people = rig.client->past_meeting_participants("/ajXp112QmuoKj4854875==");
  REQUIRE(people);
  REQUIRE(people->size() == 2);
  CHECK(people->at(0).customer_key == "7");
  CHECK(rig.api_requests().back().url.starts_with(
      "https://api.test/v2/report/meetings/%252FajXp112QmuoKj4854875%253D%253D/participants?"));
}

TEST_CASE("zoom::client licence calls turn the legacy code 200 into a licence error")
{
  Rig rig;
  rig.api = [](const HttpRequest&, int) -> HttpResult {
    return respond(400, R"({"code":200,"message":"You can add max 10 paid users."})");
  };
  auto r = rig.client->update_user_type("u1", UserType::licensed);
  REQUIRE_FALSE(r);
  CHECK(is_license_limit(r.error()));
  CHECK(r.error().message.starts_with("Zoom said 400/200: You can add max 10 paid users."));
  CHECK(r.error().message.find("permission") == std::string::npos);
  // Releasing a licence with the same answer is a permission problem, not a licence limit.
  auto down = rig.client->update_user_type("u1", UserType::basic);
  REQUIRE_FALSE(down);
  CHECK_FALSE(is_license_limit(down.error()));
}

TEST_CASE("zoom::client errors and logs never carry the token or the secret")
{
  Rig rig;
  rig.api = [](const HttpRequest&, int) -> HttpResult { return respond(404, k_1001); };
  auto r = rig.client->get_user("foo");
  REQUIRE_FALSE(r);
  CHECK(r.error().message.find("tok0") == std::string::npos);
  CHECK(zc::log::redact("Authorization: Bearer tok0 and tok0").find("tok0") == std::string::npos);
  CHECK(zc::log::redact(rig.cfg.client_secret) == "[redacted]");
}

TEST_CASE("zoom::client counts meeting creates per host and day and stops at Zoom's 100")
{
  FixedClock clock(noon());
  Rig rig;
  rig.api = [](const HttpRequest&, int) -> HttpResult { return respond(201, k_create_meeting); };
  MeetingSpec spec;
  spec.topic = "x";
  for (int i = 0; i < k_daily_meeting_writes - 1; ++i) {
    REQUIRE(rig.client->create_meeting("host1", spec));
  }
  MeetingSpec change;
  change.duration = 30;
  REQUIRE(rig.client->update_meeting(91538056781, change, "host1")); // the 100th
  CHECK(rig.api_requests().size() == 100);
  CHECK(meeting_writes_today(rig.db, "host1") == 100);
  CHECK(meeting_writes_today(rig.db, "nobody") == 0);

  auto refused = rig.client->create_meeting("host1", spec);
  REQUIRE_FALSE(refused);
  CHECK(is_daily_limit(refused.error()));
  CHECK(refused.error().message.find("2026-11-26T00:00:00Z") != std::string::npos);
  CHECK(rig.api_requests().size() == 100); // refused without asking Zoom
  // Updates without a host are not counted; another host has its own quota.
  REQUIRE(rig.client->update_meeting(91538056781, change));
  REQUIRE(rig.client->create_meeting("host2", spec));
  // A new UTC day starts afresh.
  clock.advance(12h);
  REQUIRE(rig.client->create_meeting("host1", spec));
  CHECK(rig.sql_count("SELECT COUNT(*) FROM zoom_quota") == 3);
}

TEST_CASE("zoom::client a daily-limit answer from Zoom marks the host's quota as used up")
{
  FixedClock clock(noon());
  Rig rig;
  int calls = 0;
  rig.api = [&calls](const HttpRequest&, int) -> HttpResult {
    ++calls;
    return respond(429, k_daily, {{"X-RateLimit-Type", "Daily-limit"}});
  };
  MeetingSpec spec;
  spec.topic = "x";
  REQUIRE_FALSE(rig.client->create_meeting("host1", spec));
  auto again = rig.client->create_meeting("host1", spec);
  REQUIRE_FALSE(again);
  CHECK(is_daily_limit(again.error()));
  CHECK(calls == 1);
}

TEST_CASE("zoom::client token() hands out the cached token; Refresh::force fetches exactly one new one")
{
  Rig rig;
  auto first = rig.client->token(Refresh::force); // nothing cached: one fetch, not two
  REQUIRE(first);
  CHECK(first->access_token == "tok0");
  CHECK(rig.tokens == 1);
  CHECK(rig.client->token()->access_token == "tok0");
  CHECK(rig.client->token(Refresh::force)->access_token == "tok1");
  CHECK(rig.tokens == 2);
  CHECK(rig.client->api_url().value() == "https://api.test/v2");
}

TEST_CASE("zoom::client a missing participants report says why it may be missing")
{
  Rig rig;
  rig.api = [](const HttpRequest&, int) -> HttpResult { return respond(404, k_3001); };
  auto r = rig.client->past_meeting_participants("123");
  REQUIRE_FALSE(r);
  CHECK(is_meeting_gone(r.error()));
  CHECK(r.error().message.starts_with("Zoom said 404/3001: Meeting 123 is not found or has expired."));
  CHECK(r.error().message.find("not been held") != std::string::npos);
  CHECK(r.error().message.find("reschedule") == std::string::npos); // the generic 3001 hint is gone
}
