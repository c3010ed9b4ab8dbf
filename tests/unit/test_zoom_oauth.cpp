#include "test_zoom_support.hpp"

#include "core/crypto.hpp"
#include "core/log.hpp"
#include "core/zoom/oauth.hpp"

#include <doctest/doctest.h>

#include <thread>

using namespace std::chrono_literals;
using namespace zc::zoom;
using namespace zc::zoom::test;

namespace {

// Bodies from /work/shared/zoom/payloads (copied: that directory is not in the source tree).
constexpr const char* k_invalid_client = R"({"reason":"Invalid client_id or client_secret","error":"invalid_client"})";
constexpr const char* k_unsupported_grant = R"({"reason":"unsupported grant type","error":"unsupported_grant_type"})";
constexpr const char* k_docs_token = R"({
    "access_token": "eyJzyNzA2ZDlkMzk0MDgzTk0MzAzMjUsImlzcy...A",
    "token_type": "bearer",
    "expires_in": 3600,
    "scope": "marketplace:delete:event_subscription marketplace:read:list_event_subscriptions",
    "api_url": "https://api.zoom.us"
})";

} // namespace

TEST_CASE("zoom::oauth Basic header and form body")
{
  // test_vectors.txt: "S2S Basic header for client_id 'cid' secret 'csec': Basic Y2lkOmNzZWM="
  CHECK(basic_authorization("cid", "csec") == "Basic Y2lkOmNzZWM=");
  CHECK(token_request_body("abc_DEF-1") == "grant_type=account_credentials&account_id=abc_DEF-1");
  CHECK(token_request_body("a b&c") == "grant_type=account_credentials&account_id=a%20b%26c");
}

TEST_CASE("zoom::oauth cache key depends on URL, account and client, not the secret")
{
  const auto k = token_cache_key("https://zoom.us/oauth/token", "acct", "cid");
  CHECK(k.size() == 64);
  CHECK(k == zc::crypto::sha256_hex("https://zoom.us/oauth/token|acct|cid"));
  CHECK(k != token_cache_key("https://zoom.us/oauth/token", "acct", "cid2"));
  CHECK(k != token_cache_key("http://127.0.0.1:1/oauth/token", "acct", "cid"));
}

TEST_CASE("zoom::oauth parse_token_response reads Zoom's documented answer")
{
  const auto now = noon();
  auto t = parse_token_response(200, k_docs_token, now);
  REQUIRE(t);
  CHECK(t->access_token == "eyJzyNzA2ZDlkMzk0MDgzTk0MzAzMjUsImlzcy...A");
  CHECK(t->expires_at == now + 3600s);
  CHECK(t->fetched_at == now);
  CHECK(t->api_url == "https://api.zoom.us");
  CHECK(t->scope.starts_with("marketplace:delete:event_subscription "));

  // Older answers have no api_url; no expires_in means Moodle's 3599.
  auto old = parse_token_response(200, R"({"access_token":"tok","token_type":"bearer"})", now);
  REQUIRE(old);
  CHECK(old->expires_at == now + 3599s);
  CHECK(old->api_url.empty());

  auto empty = parse_token_response(200, R"({"token_type":"bearer"})", now);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().kind == zc::ErrorKind::zoom);
}

TEST_CASE("zoom::oauth token errors name Zoom's reason and the variables to check")
{
  const auto now = noon();
  auto bad = parse_token_response(400, k_invalid_client, now);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == zc::ErrorKind::auth);
  CHECK(bad.error().http_status == 400);
  const auto& msg = bad.error().message;
  CHECK(msg.find("Invalid client_id or client_secret") != std::string::npos);
  CHECK(msg.find("invalid_client") != std::string::npos);
  CHECK(msg.find("ZOOM_ACCOUNT_ID") != std::string::npos);
  CHECK(msg.find("ZOOM_CLIENT_ID") != std::string::npos);
  CHECK(msg.find("ZOOM_CLIENT_SECRET") != std::string::npos);

  auto grant = parse_token_response(400, k_unsupported_grant, now);
  REQUIRE_FALSE(grant);
  CHECK(grant.error().kind == zc::ErrorKind::auth);
  CHECK(grant.error().message.find("unsupported grant type") != std::string::npos);

  auto down = parse_token_response(503, "<html>down</html>", now);
  REQUIRE_FALSE(down);
  CHECK(down.error().kind == zc::ErrorKind::zoom);
}

TEST_CASE("zoom::oauth token_usable keeps a 60 s margin")
{
  Token t;
  t.access_token = "x";
  t.expires_at = noon() + 3600s;
  CHECK(token_usable(t, noon()));
  CHECK(token_usable(t, noon() + 3539s));
  CHECK_FALSE(token_usable(t, noon() + 3540s));
  CHECK_FALSE(token_usable(t, noon() + 4000s));
  t.access_token.clear();
  CHECK_FALSE(token_usable(t, noon()));
}

TEST_CASE("zoom::oauth effective_api_url prefers an explicit ZOOM_API_URL")
{
  zc::config::Config c;
  c.api_url = "https://api.zoom.us/v2";
  Token t;
  t.api_url = "https://eu01api-www4local.zoom.us";
  CHECK(effective_api_url(c, t) == "https://eu01api-www4local.zoom.us/v2");
  t.api_url = "https://eu01api-www4local.zoom.us/";
  CHECK(effective_api_url(c, t) == "https://eu01api-www4local.zoom.us/v2");
  t.api_url = "http://127.0.0.1:8080/v2";
  CHECK(effective_api_url(c, t) == "http://127.0.0.1:8080/v2");
  t.api_url.clear();
  CHECK(effective_api_url(c, t) == "https://api.zoom.us/v2");
  c.api_url = "http://127.0.0.1:9999/v2";
  c.api_url_explicit = true;
  t.api_url = "https://api.zoom.us";
  CHECK(effective_api_url(c, t) == "http://127.0.0.1:9999/v2");
}

TEST_CASE("zoom::oauth TokenProvider fetches once and shares the token through the database")
{
  Scratch scratch;
  FixedClock clock(noon());
  clear_memory_token_cache();
  auto script = std::make_shared<Script>();
  script->handler = [](const HttpRequest& r, int n) -> HttpResult {
    CHECK(r.method == Method::post);
    CHECK(r.url == "https://oauth.test/oauth/token");
    CHECK(r.headers.get("authorization") == basic_authorization("cid", "csec-very-secret-value"));
    CHECK(r.headers.get("Content-Type") == "application/x-www-form-urlencoded");
    CHECK(r.body == "grant_type=account_credentials&account_id=acct123");
    return token_response("tok" + std::to_string(n));
  };
  ScriptedTransport transport(script);
  const auto cfg = test_config();

  {
    auto db = scratch.open_db();
    TokenProvider p(cfg, db, transport);
    auto t = p.get();
    REQUIRE(t);
    CHECK(t->access_token == "tok0");
    CHECK(t->expires_at == noon() + 3600s);
    CHECK(p.get()->access_token == "tok0");
  }
  CHECK(script->count() == 1);

  // A hundred "processes": fresh memory, fresh connection, same file.
  for (int i = 0; i < 100; ++i) {
    clear_memory_token_cache();
    auto db = scratch.open_db();
    TokenProvider p(cfg, db, transport);
    auto t = p.get();
    REQUIRE(t);
    CHECK(t->access_token == "tok0");
    clock.advance(10s); // 1000 s in all, well inside the hour
  }
  CHECK(script->count() == 1);

  {
    auto db = scratch.open_db();
    auto row = load_cached_token(db, token_cache_key(cfg.oauth_url, cfg.account_id, cfg.client_id));
    REQUIRE(row);
    CHECK(row->access_token == "tok0");
    CHECK(row->scope == "user:read:admin meeting:write:admin");
  }
}

TEST_CASE("zoom::oauth TokenProvider refetches 60 s before expiry")
{
  Scratch scratch;
  FixedClock clock(noon());
  clear_memory_token_cache();
  auto script = std::make_shared<Script>();
  script->handler = [](const HttpRequest&, int n) -> HttpResult { return token_response("tok" + std::to_string(n)); };
  ScriptedTransport transport(script);
  const auto cfg = test_config();
  auto db = scratch.open_db();
  TokenProvider p(cfg, db, transport);

  CHECK(p.get()->access_token == "tok0");
  clock.advance(3539s);
  CHECK(p.get()->access_token == "tok0");
  clock.advance(1s); // now 60 s before expiry
  CHECK(p.get()->access_token == "tok1");
  CHECK(script->count() == 2);
  // The database has the new one, for the next process.
  clear_memory_token_cache();
  auto db2 = scratch.open_db();
  TokenProvider p2(cfg, db2, transport);
  CHECK(p2.get()->access_token == "tok1");
  CHECK(script->count() == 2);
}

TEST_CASE("zoom::oauth a forced refresh replaces only the rejected token")
{
  Scratch scratch;
  FixedClock clock(noon());
  clear_memory_token_cache();
  auto script = std::make_shared<Script>();
  script->handler = [](const HttpRequest&, int n) -> HttpResult { return token_response("tok" + std::to_string(n)); };
  ScriptedTransport transport(script);
  const auto cfg = test_config();
  auto db = scratch.open_db();
  TokenProvider p(cfg, db, transport);
  const auto before = metrics().token_refreshes.load();

  CHECK(p.get()->access_token == "tok0");
  CHECK(p.get(Refresh::force, "tok0")->access_token == "tok1");
  CHECK(metrics().token_refreshes.load() - before == 1);
  // Someone else (another thread) already replaced tok0: no second fetch.
  CHECK(p.get(Refresh::force, "tok0")->access_token == "tok1");
  CHECK(script->count() == 2);

  // Another process that still holds tok0 in memory finds tok1 in the database.
  auto db2 = scratch.open_db();
  TokenProvider p2(cfg, db2, transport);
  clear_memory_token_cache();
  CHECK(p2.get(Refresh::force, "tok0")->access_token == "tok1");
  CHECK(script->count() == 2);
}

TEST_CASE("zoom::oauth concurrent callers collapse into one token request")
{
  Scratch scratch;
  clear_memory_token_cache();
  {
    auto init = scratch.open_db();
  }
  auto script = std::make_shared<Script>();
  script->handler = [](const HttpRequest&, int n) -> HttpResult {
    std::this_thread::sleep_for(50ms);
    return token_response("tok" + std::to_string(n));
  };
  const auto cfg = test_config();
  std::vector<std::thread> threads;
  std::vector<std::string> got(8);
  for (std::size_t i = 0; i < got.size(); ++i) {
    threads.emplace_back([&, i] {
      auto db = scratch.open_db(); // one connection per thread, as in the daemon
      ScriptedTransport transport(script);
      TokenProvider p(cfg, db, transport);
      auto t = p.get();
      got[i] = t ? t->access_token : t.error().message;
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  CHECK(script->count() == 1);
  for (const auto& g : got) {
    CHECK(g == "tok0");
  }
}

TEST_CASE("zoom::oauth bad credentials: clear error, no secret in it, nothing cached")
{
  Scratch scratch;
  FixedClock clock(noon());
  clear_memory_token_cache();
  auto script = std::make_shared<Script>();
  script->handler = [](const HttpRequest&, int) -> HttpResult { return respond(400, k_invalid_client); };
  ScriptedTransport transport(script);
  const auto cfg = test_config();
  auto db = scratch.open_db();
  TokenProvider p(cfg, db, transport);
  auto t = p.get();
  REQUIRE_FALSE(t);
  CHECK(t.error().kind == zc::ErrorKind::auth);
  CHECK(t.error().message.find(cfg.client_secret) == std::string::npos);
  CHECK(t.error().message.find("ZOOM_CLIENT_SECRET") != std::string::npos);
  CHECK(script->count() == 1); // a 400 is not retried
  CHECK_FALSE(load_cached_token(db, p.key()));
  // The secret is registered with the logger.
  CHECK(zc::log::redact("x " + cfg.client_secret + " y").find(cfg.client_secret) == std::string::npos);
}

TEST_CASE("zoom::oauth token endpoint 5xx and network failures are retried")
{
  Scratch scratch;
  clear_memory_token_cache();
  auto script = std::make_shared<Script>();
  script->handler = [](const HttpRequest&, int n) -> HttpResult {
    if (n == 0) {
      return NetworkError{NetworkErrorKind::connect, "connection refused"};
    }
    if (n == 1) {
      return respond(503, "");
    }
    return token_response("tok");
  };
  ScriptedTransport transport(script);
  const auto cfg = test_config();
  auto db = scratch.open_db();
  RetryPolicy fast;
  fast.base_delay = 1ms;
  fast.max_delay = 2ms;
  TokenProvider p(cfg, db, transport, fast);
  auto t = p.get();
  REQUIRE(t);
  CHECK(t->access_token == "tok");
  CHECK(script->count() == 3);
}

TEST_CASE("zoom::oauth works inside a caller's open transaction")
{
  Scratch scratch;
  FixedClock clock(noon());
  clear_memory_token_cache();
  auto script = std::make_shared<Script>();
  script->handler = [](const HttpRequest&, int n) -> HttpResult { return token_response("tok" + std::to_string(n)); };
  ScriptedTransport transport(script);
  const auto cfg = test_config();
  auto db = scratch.open_db();
  TokenProvider p(cfg, db, transport);
  {
    zc::db::WriteTransaction tx(db);
    auto t = p.get();
    REQUIRE(t);
    CHECK(t->access_token == "tok0");
    tx.commit();
  }
  clear_memory_token_cache();
  auto db2 = scratch.open_db();
  TokenProvider p2(cfg, db2, transport);
  CHECK(p2.get()->access_token == "tok0");
  CHECK(script->count() == 1);
}
