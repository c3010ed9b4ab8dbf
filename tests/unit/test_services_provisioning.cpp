// provisioning, licensing and scheduling over a scripted Zoom: created/adopted
// users, refusals without a Zoom call, the license-limit message, and what a
// failed or cut-off meeting create leaves behind.

#include "test_zoom_support.hpp"

#include "core/services/directory.hpp"
#include "core/services/licensing.hpp"
#include "core/services/provisioning.hpp"
#include "core/services/scheduling.hpp"
#include "core/zoom/client.hpp"

#include <doctest/doctest.h>

using namespace std::chrono_literals;
using namespace zc;
using namespace zc::zoom::test;

namespace {

constexpr const char* k_meeting = R"({"id": 91538056781, "host_id": "zu1", "topic": "T", "type": 2,
  "start_time": "2026-12-01T10:00:00Z", "duration": 60, "timezone": "UTC",
  "start_url": "https://z.test/s/91538056781?zak=SECRETZAK", "join_url": "https://z.test/j/91538056781"})";

struct Rig {
  Scratch scratch;
  db::Database db = scratch.open_db();
  config::Config cfg = test_config();
  std::shared_ptr<Script> script = std::make_shared<Script>();
  std::function<zoom::HttpResult(const zoom::HttpRequest&)> api;
  std::unique_ptr<zoom::ZoomClient> client;
  FixedClock clock{noon()};

  Rig()
  {
    zoom::clear_memory_token_cache();
    script->handler = [this](const zoom::HttpRequest& r, int) -> zoom::HttpResult {
      if (r.url == cfg.oauth_url) {
        return token_response("tok");
      }
      return api(r);
    };
    zoom::ClientOptions o;
    o.retry.base_delay = 1ms;
    o.retry.max_delay = 2ms;
    o.retry.max_total = 2s;
    o.client_rate_limit = false;
    client = std::make_unique<zoom::ZoomClient>(cfg, db, std::make_unique<ScriptedTransport>(script), o);
    (void)value_or_throw(services::add_user(db, "ines@example.com", "Ines Al Instructor", Role::instructor, "t"));
    (void)value_or_throw(services::add_user(db, "lea@example.com", "Lea Learner", Role::learner, "t"));
    (void)value_or_throw(services::add_cohort(db, "Class A", "t"));
  }
  std::size_t api_calls() { return script->count() - script->count_to(cfg.oauth_url); }
  long long count(const std::string& sql)
  {
    SQLite::Statement q(db.sql(), sql);
    q.executeStep();
    return q.getColumn(0).getInt64();
  }
};

services::ScheduleRequest request()
{
  services::ScheduleRequest r;
  r.cohort = "Class A";
  r.instructor = "ines@example.com";
  r.start = "2026-12-01T10:00:00Z";
  r.duration = "60";
  return r;
}

} // namespace

TEST_CASE("provisioning::provision creates a pending basic user with action create")
{
  Rig rig;
  rig.api = [](const zoom::HttpRequest& r) -> zoom::HttpResult {
    REQUIRE(r.method == zoom::Method::post);
    const auto body = nlohmann::json::parse(r.body);
    CHECK(body["action"] == "create");
    CHECK(body["user_info"]["type"] == 1);
    CHECK(body["user_info"]["first_name"] == "Ines");
    CHECK(body["user_info"]["last_name"] == "Al Instructor");
    return respond(201, R"({"id":"zu1","email":"ines@example.com","type":1})");
  };
  const auto r = value_or_throw(services::provision(rig.db, *rig.client, "ines@example.com", "ops"));
  CHECK(r.outcome == services::ProvisionOutcome::created);
  CHECK(r.user.zoom_user_id == "zu1");
  CHECK(r.user.zoom_status == "pending");
  CHECK(r.reason.find("pending activation") != std::string::npos);
  CHECK(rig.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.provision' AND actor = 'ops'") == 1);
}

TEST_CASE("provisioning::provision adopts the user Zoom already has and refuses learners")
{
  Rig rig;
  rig.api = [](const zoom::HttpRequest& r) -> zoom::HttpResult {
    if (r.method == zoom::Method::post) {
      return respond(409, R"({"code":1005,"message":"User already in the account: ines@example.com"})");
    }
    CHECK(r.url.ends_with("/users/ines%40example.com"));
    return respond(200, R"({"id":"zuOld","email":"ines@example.com","type":2,"status":"active"})");
  };
  const auto r = value_or_throw(services::provision(rig.db, *rig.client, "ines@example.com", "ops"));
  CHECK(r.outcome == services::ProvisionOutcome::adopted);
  CHECK(r.user.zoom_user_id == "zuOld");
  CHECK(r.user.license_type == 2);
  const auto calls = rig.api_calls();
  auto refused = services::provision(rig.db, *rig.client, "lea@example.com", "ops");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::conflict);
  CHECK(rig.api_calls() == calls);
}

TEST_CASE("licensing::assign_license on a full account names the holders and keeps the record")
{
  Rig rig;
  rig.api = [](const zoom::HttpRequest& r) -> zoom::HttpResult {
    if (r.method == zoom::Method::post) {
      return respond(201, R"({"id":"zu1","email":"ines@example.com","type":1})");
    }
    if (r.method == zoom::Method::patch) {
      return respond(400, R"({"code":3412,"message":"... maximum number of \"1\" paying users. ..."})");
    }
    if (r.url.find("status=active") != std::string::npos) {
      return respond(200, R"({"users":[{"id":"zz","email":"holder@example.com","type":2,"status":"active"}]})");
    }
    return respond(200, R"({"users":[]})");
  };
  auto r = services::assign_license(rig.db, *rig.client, "ines@example.com", "ops");
  REQUIRE_FALSE(r);
  CHECK(r.error().zoom_code == 3412);
  CHECK(r.error().message.find("1 license in use (holder@example.com)") != std::string::npos);
  CHECK(r.error().message.find("zoomctl license release EMAIL") != std::string::npos);
  CHECK(rig.count("SELECT COUNT(*) FROM users WHERE license_type = 2 OR license_assigned_at IS NOT NULL") == 0);
  CHECK(rig.count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'license.%'") == 0);
}

TEST_CASE("scheduling::schedule reads a missing uuid, and a Zoom refusal leaves no row")
{
  Rig rig;
  bool refuse = false;
  rig.api = [&](const zoom::HttpRequest& r) -> zoom::HttpResult {
    if (r.url.ends_with("/users")) {
      return respond(201, R"({"id":"zu1","email":"ines@example.com","type":1})");
    }
    if (r.method == zoom::Method::post) {
      if (refuse) {
        return respond(400, R"({"code":3161,"message":"Meeting hosting and scheduling capabilities are not allowed"})");
      }
      const auto body = nlohmann::json::parse(r.body);
      CHECK(body["type"] == 2);
      CHECK(body["start_time"] == "2026-12-01T10:00:00Z");
      CHECK(body["settings"]["waiting_room"] == true);
      CHECK(body["settings"]["join_before_host"] == false);
      CHECK(body["settings"]["participant_video"] == false);
      CHECK(body["settings"]["approval_type"] == 2);
      return respond(201, k_meeting); // no uuid in the answer
    }
    auto j = nlohmann::json::parse(k_meeting);
    j["uuid"] = "/abc//def==";
    return respond(200, j.dump());
  };
  const auto r = value_or_throw(services::schedule(rig.db, *rig.client, request(), "ops"));
  CHECK(r.outcome == services::ScheduleOutcome::created);
  CHECK(r.session.zoom_meeting_id == 91538056781);
  CHECK(r.session.zoom_meeting_uuid == "/abc//def==");
  CHECK_FALSE(r.session.needs_repair);
  CHECK(rig.count("SELECT COUNT(*) FROM audit_log WHERE after_json LIKE '%SECRETZAK%'") == 0);
  CHECK(services::to_json(r.session).dump().find("SECRETZAK") == std::string::npos);

  refuse = true;
  auto req = request();
  req.start = "2026-12-02T10:00:00Z";
  auto failed = services::schedule(rig.db, *rig.client, req, "ops");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().zoom_code == 3161);
  CHECK(rig.count("SELECT COUNT(*) FROM sessions") == 1);
}

TEST_CASE("scheduling::schedule keeps a cut-off create for repair, and a retry finishes it")
{
  Rig rig;
  int creates = 0;
  rig.api = [&](const zoom::HttpRequest& r) -> zoom::HttpResult {
    if (r.url.ends_with("/users")) {
      return respond(201, R"({"id":"zu1","email":"ines@example.com","type":1})");
    }
    if (r.method == zoom::Method::post && creates++ == 0) {
      return zoom::NetworkError{zoom::NetworkErrorKind::dropped, "connection reset"};
    }
    auto j = nlohmann::json::parse(k_meeting);
    j["uuid"] = "u1";
    return respond(201, j.dump());
  };
  auto first = services::schedule(rig.db, *rig.client, request(), "ops");
  REQUIRE_FALSE(first);
  CHECK(first.error().message.find("session repair") != std::string::npos);
  CHECK(rig.count("SELECT COUNT(*) FROM sessions WHERE needs_repair = 'create' AND zoom_meeting_id IS NULL") == 1);
  rig.clock.advance(3min); // the first request's lease has run out
  const auto again = value_or_throw(services::schedule(rig.db, *rig.client, request(), "ops"));
  CHECK(again.outcome == services::ScheduleOutcome::repaired);
  CHECK(again.session.zoom_meeting_id == 91538056781);
  CHECK(rig.count("SELECT COUNT(*) FROM sessions") == 1);
  const auto third = value_or_throw(services::schedule(rig.db, *rig.client, request(), "ops"));
  CHECK(third.outcome == services::ScheduleOutcome::exists);
  CHECK(creates == 2);
}
