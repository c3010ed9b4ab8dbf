#include "scratch.hpp"

#include "core/config.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

using zc::config::Environment;
using zc::config::Need;
using zc::config::VarState;

namespace {

Environment full_env()
{
  return {{"ZOOM_ACCOUNT_ID", "acct_123456"},
          {"ZOOM_CLIENT_ID", "clientid123"},
          {"ZOOM_CLIENT_SECRET", "s3cret-value-1"},
          {"ZOOM_SDK_KEY", "sdkkey123"},
          {"ZOOM_SDK_SECRET", "sdk-secret-val"},
          {"ZOOM_WEBHOOK_SECRET_TOKEN", "whsecret-123"},
          {"HOME", "/home/op"}};
}

const zc::config::VarReport& line(const zc::config::Loaded& l, const std::string& name)
{
  for (const auto& r : l.report) {
    if (r.name == name) {
      return r;
    }
  }
  FAIL("no report line for " << name);
  return l.report.front();
}

} // namespace

TEST_CASE("config::load accepts a complete environment and applies defaults")
{
  const auto l = zc::config::load(full_env());
  CHECK(zc::config::validate(l, Need::zoom_api | Need::sdk | Need::webhook));
  CHECK(l.config.account_id == "acct_123456");
  CHECK(l.config.api_url == "https://api.zoom.us/v2");
  CHECK_FALSE(l.config.api_url_explicit);
  CHECK(l.config.oauth_url == "https://zoom.us/oauth/token");
  CHECK(l.config.listen == "127.0.0.1:3000");
  CHECK(l.config.public_url == "http://127.0.0.1:3000");
  CHECK(l.config.attendance_threshold == 75);
  CHECK(l.config.db_path == "/home/op/.local/share/zoomctl/zoomctl.db");
  CHECK(line(l, "ZOOM_CLIENT_SECRET").state == VarState::ok);
}

TEST_CASE("config::load never shows a secret")
{
  const auto l = zc::config::load(full_env());
  for (const auto& r : l.report) {
    CHECK(r.shown.find("s3cret-value-1") == std::string::npos);
    CHECK(r.shown.find("sdk-secret-val") == std::string::npos);
    CHECK(r.shown.find("whsecret-123") == std::string::npos);
  }
  auto env = full_env();
  env["ZOOM_CLIENT_SECRET"] = "has space inside";
  const auto bad = zc::config::load(env);
  CHECK(line(bad, "ZOOM_CLIENT_SECRET").state == VarState::malformed);
  CHECK(line(bad, "ZOOM_CLIENT_SECRET").shown == "(hidden)");
  const auto err = zc::config::validate(bad, Need::none);
  REQUIRE_FALSE(err);
  CHECK(err.error().message.find("has space inside") == std::string::npos);
}

TEST_CASE("config::validate lists every missing variable the command needs, and only those")
{
  const auto l = zc::config::load({{"HOME", "/h"}});
  CHECK(zc::config::validate(l, Need::none));
  const auto api = zc::config::validate(l, Need::zoom_api);
  REQUIRE_FALSE(api);
  CHECK(api.error().kind == zc::ErrorKind::config);
  const auto& m = api.error().message;
  CHECK(m.find("3 configuration problems") != std::string::npos);
  CHECK(m.find("ZOOM_ACCOUNT_ID is not set") != std::string::npos);
  CHECK(m.find("ZOOM_CLIENT_ID is not set") != std::string::npos);
  CHECK(m.find("ZOOM_CLIENT_SECRET is not set") != std::string::npos);
  CHECK(m.find("ZOOM_SDK_KEY") == std::string::npos);

  const auto all = zc::config::validate(l, Need::zoom_api | Need::sdk | Need::webhook | Need::api_token | Need::links);
  REQUIRE_FALSE(all);
  CHECK(all.error().message.find("8 configuration problems") != std::string::npos);
  CHECK(all.error().message.find("ZOOMCTL_LINK_SECRET is not set") != std::string::npos);
}

TEST_CASE("config::load reports each malformed value with the reason")
{
  struct Case {
    const char* name;
    const char* value;
    const char* reason;
  };
  const Case cases[] = {
      {"ZOOM_ACCOUNT_ID", "ab", "too short"},
      {"ZOOM_ACCOUNT_ID", "acct id with spaces", "may only contain"},
      {"ZOOM_CLIENT_ID", "client/id!", "may only contain"},
      {"ZOOM_CLIENT_SECRET", "short", "too short"},
      {"ZOOM_SDK_KEY", "k", "too short"},
      {"ZOOM_SDK_SECRET", "tab\tinside!", "white space"},
      {"ZOOM_WEBHOOK_SECRET_TOKEN", "abc", "too short"},
      {"ZOOM_API_URL", "ftp://x", "must start with https://"},
      {"ZOOM_API_URL", "http://api.zoom.us/v2", "plain http://"},
      {"ZOOM_OAUTH_URL", "https://", "no host"},
      {"ZOOMCTL_API_TOKEN", "tooshort", "too short"},
      {"ZOOMCTL_LINK_SECRET", "tooshort", "too short"},
      {"ZOOMCTL_PUBLIC_URL", "localhost:3000", "must start with"},
      {"ZOOMCTLD_LISTEN", "3000", "ADDRESS:PORT"},
      {"ZOOMCTLD_LISTEN", "127.0.0.1:99999", "no valid port"},
      {"ZOOMCTL_ATTENDANCE_THRESHOLD", "0", "1 to 100"},
      {"ZOOMCTL_ATTENDANCE_THRESHOLD", "75%", "1 to 100"},
      {"ZOOMCTL_ATTENDANCE_THRESHOLD", "101", "1 to 100"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CAPTURE(c.value);
    auto env = full_env();
    env[c.name] = c.value;
    const auto l = zc::config::load(env);
    CHECK(line(l, c.name).state == VarState::malformed);
    CHECK(line(l, c.name).detail.find(c.reason) != std::string::npos);
    const auto v = zc::config::validate(l, Need::none);
    REQUIRE_FALSE(v);
    CHECK(v.error().message.find(c.name) != std::string::npos);
  }
}

TEST_CASE("config::validate collects several problems in one error")
{
  auto env = full_env();
  env.erase("ZOOM_SDK_KEY");
  env["ZOOMCTLD_LISTEN"] = "nope";
  env["ZOOM_CLIENT_SECRET"] = "x";
  const auto v = zc::config::validate(zc::config::load(env), Need::zoom_api | Need::sdk);
  REQUIRE_FALSE(v);
  CHECK(v.error().message.find("3 configuration problems") != std::string::npos);
}

TEST_CASE("config::load: loopback http is allowed, overrides win, trailing slashes go")
{
  auto env = full_env();
  env["ZOOM_API_URL"] = "http://127.0.0.1:9000/v2/";
  env["ZOOM_OAUTH_URL"] = "http://localhost:9000/oauth/token";
  env["ZOOMCTL_PUBLIC_URL"] = "https://training.example.com/";
  env["ZOOMCTL_ATTENDANCE_THRESHOLD"] = "80";
  env["ZOOMCTL_DB"] = "/var/lib/zoomctl/z.db";
  const auto l = zc::config::load(env);
  CHECK(zc::config::validate(l, Need::zoom_api));
  CHECK(l.config.api_url == "http://127.0.0.1:9000/v2");
  CHECK(l.config.api_url_explicit);
  CHECK(l.config.public_url == "https://training.example.com");
  CHECK(l.config.attendance_threshold == 80);
  CHECK(l.config.db_path == "/var/lib/zoomctl/z.db");
}

TEST_CASE("config::default_db_path follows XDG_DATA_HOME, then HOME")
{
  CHECK(zc::config::default_db_path({{"XDG_DATA_HOME", "/x"}, {"HOME", "/h"}}) == "/x/zoomctl/zoomctl.db");
  CHECK(zc::config::default_db_path({{"HOME", "/h"}}) == "/h/.local/share/zoomctl/zoomctl.db");
}

TEST_CASE("config::read_env_file parses dotenv syntax and the environment wins")
{
  zc::test::Scratch dir;
  const auto path = dir.file("zoomctl.env");
  {
    std::ofstream f(path);
    f << "# comment\n\n"
         "export ZOOM_ACCOUNT_ID=acct_file\n"
         "ZOOM_CLIENT_ID = 'quoted id'\n"
         "ZOOM_CLIENT_SECRET=\"dq \\\"x\\\" # not a comment\"\n"
         "ZOOMCTL_PUBLIC_URL=https://a.example # trailing comment\n"
         "EMPTY=\n";
  }
  ::chmod(path.c_str(), 0600);
  std::vector<std::string> warnings;
  const auto env = zc::config::read_env_file(path, warnings);
  REQUIRE(env);
  CHECK(warnings.empty());
  CHECK(env->at("ZOOM_ACCOUNT_ID") == "acct_file");
  CHECK(env->at("ZOOM_CLIENT_ID") == "quoted id");
  CHECK(env->at("ZOOM_CLIENT_SECRET") == "dq \"x\" # not a comment");
  CHECK(env->at("ZOOMCTL_PUBLIC_URL") == "https://a.example");
  CHECK(env->at("EMPTY").empty());
  const auto merged = zc::config::merge(*env, {{"ZOOM_ACCOUNT_ID", "acct_env"}});
  CHECK(merged.at("ZOOM_ACCOUNT_ID") == "acct_env");
  CHECK(merged.at("ZOOM_CLIENT_ID") == "quoted id");
}

TEST_CASE("config::read_env_file refuses malformed lines with their number")
{
  zc::test::Scratch dir;
  const auto path = dir.file("bad.env");
  SUBCASE("no equals sign")
  {
    std::ofstream(path) << "A=1\nJUSTTEXT\n";
    std::vector<std::string> w;
    const auto env = zc::config::read_env_file(path, w);
    REQUIRE_FALSE(env);
    CHECK(env.error().message.find(":2: expected KEY=VALUE") != std::string::npos);
  }
  SUBCASE("bad name")
  {
    std::ofstream(path) << "1ABC=1\n";
    std::vector<std::string> w;
    REQUIRE_FALSE(zc::config::read_env_file(path, w));
  }
  SUBCASE("unterminated quote")
  {
    std::ofstream(path) << "A=\"open\n";
    std::vector<std::string> w;
    const auto env = zc::config::read_env_file(path, w);
    REQUIRE_FALSE(env);
    CHECK(env.error().message.find("unterminated quote") != std::string::npos);
  }
  SUBCASE("missing file")
  {
    std::vector<std::string> w;
    REQUIRE_FALSE(zc::config::read_env_file(dir.file("none.env"), w));
  }
}

TEST_CASE("config::read_env_file warns when a file with secrets is readable by others")
{
  zc::test::Scratch dir;
  const auto path = dir.file("open.env");
  std::ofstream(path) << "ZOOM_CLIENT_SECRET=abcdefgh1\n";
  ::chmod(path.c_str(), 0644);
  std::vector<std::string> warnings;
  REQUIRE(zc::config::read_env_file(path, warnings));
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("chmod 600") != std::string::npos);
}
