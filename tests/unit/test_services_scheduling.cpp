// scheduling: CSV parsing, request keys, validation (no Zoom call), listing.

#include "scratch.hpp"

#include "core/csv.hpp"
#include "core/db.hpp"
#include "core/services/directory.hpp"
#include "core/services/scheduling.hpp"
#include "core/util/time.hpp"

#include <doctest/doctest.h>

using namespace zc;
using namespace zc::services;

namespace {

struct Fixture {
  test::Scratch scratch;
  db::Database db = value_or_throw(db::Database::open(scratch.file("z.db"), db::Migrate::yes));
  Fixture()
  {
    set_clock([] { return *parse_iso8601("2026-11-25T12:00:00Z"); });
    (void)value_or_throw(add_user(db, "ines@example.com", "Ines Instructor", Role::instructor, "t"));
    (void)value_or_throw(add_user(db, "lea@example.com", "Lea Learner", Role::learner, "t"));
    (void)value_or_throw(add_cohort(db, "Class A", "t"));
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;
  ~Fixture() { set_clock(nullptr); }
};

ScheduleRequest request()
{
  ScheduleRequest r;
  r.cohort = "Class A";
  r.instructor = "ines@example.com";
  r.start = "2026-12-01T10:00:00Z";
  r.duration = "60";
  return r;
}

} // namespace

TEST_CASE("csv::parse follows RFC 4180")
{
  const auto rows = value_or_throw(zc::csv::parse(
      "\xEF\xBB\xBF"
      "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\r\nlast,\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A,"));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].fields == std::vector<std::string>{"a", "b", "c"});
  CHECK(rows[1].line == 2);
  CHECK(rows[1].fields == std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"});
  CHECK(rows[2].line == 5);
  CHECK(rows[2].fields == std::vector<std::string>{"last", "\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A", ""});

  auto open = zc::csv::parse("a,b\n\"never closed,x\n");
  REQUIRE_FALSE(open);
  CHECK(open.error().message.find("line 2") != std::string::npos);
  auto stray = zc::csv::parse("a,b\nx\"y,z\n");
  REQUIRE_FALSE(stray);
  CHECK(stray.error().message.find("line 2") != std::string::npos);
  auto after = zc::csv::parse("a\n\"x\"y\n");
  REQUIRE_FALSE(after);
  CHECK(after.error().kind == ErrorKind::invalid_input);
}

TEST_CASE("scheduling::request_key_for depends on every normalised field")
{
  const auto t = *parse_iso8601("2026-12-01T10:00:00Z");
  const auto k = request_key_for(1, 2, t, 60, "Topic", "UTC");
  CHECK(k.size() == 64);
  CHECK(k == request_key_for(1, 2, *parse_iso8601("2026-12-01T13:00:00+03:00"), 60, "Topic", "UTC"));
  CHECK(k != request_key_for(1, 2, t, 61, "Topic", "UTC"));
  CHECK(k != request_key_for(1, 3, t, 60, "Topic", "UTC"));
  CHECK(k != request_key_for(1, 2, t, 60, "Topic 2", "UTC"));
  CHECK(k != request_key_for(1, 2, t, 60, "Topic", "Asia/Riyadh"));
}

TEST_CASE("scheduling::validate accepts a good request and names the field of a bad one")
{
  Fixture f;
  auto ok = validate(f.db, request());
  REQUIRE(ok);
  CHECK(ok->topic == "Class A live session");
  CHECK(ok->timezone == "UTC");
  CHECK(ok->duration == 60);
  CHECK_FALSE(ok->existing);

  auto expect = [&](const ScheduleRequest& r, ErrorKind kind, const char* text) {
    auto v = validate(f.db, r);
    REQUIRE_FALSE(v);
    CHECK(v.error().kind == kind);
    CHECK_MESSAGE(v.error().message.find(text) != std::string::npos, v.error().message);
  };
  auto r = request();
  r.cohort = "Nope";
  expect(r, ErrorKind::not_found, "--cohort");
  r = request();
  r.instructor = "lea@example.com";
  expect(r, ErrorKind::conflict, "not an instructor");
  r = request();
  r.start = "2026-11-25T11:59:59Z";
  expect(r, ErrorKind::invalid_input, "in the past");
  r.start = "next tuesday";
  expect(r, ErrorKind::invalid_input, "--start");
  r = request();
  r.duration = "1441";
  expect(r, ErrorKind::invalid_input, "--duration");
  r.duration = "";
  expect(r, ErrorKind::invalid_input, "--duration");
  r = request();
  r.timezone = "Nowhere/Town";
  expect(r, ErrorKind::invalid_input, "--timezone");
  r = request();
  r.timezone = "Asia/Riyadh";
  r.start = "2026-12-01T10:00:00";
  expect(r, ErrorKind::invalid_input, "offset");
  r = request();
  r.topic = std::string(201, 'x');
  expect(r, ErrorKind::invalid_input, "200");
  r.topic = std::string(200, 'x');
  CHECK(validate(f.db, r));
  r.names.topic = "topic";
  r.topic = "";
  expect(r, ErrorKind::invalid_input, "topic must not be empty");
}

TEST_CASE("scheduling::list_sessions refuses bad filters")
{
  Fixture f;
  SessionFilter flt;
  CHECK(value_or_throw(list_sessions(f.db, flt)).empty());
  flt.status = "done";
  CHECK(list_sessions(f.db, flt).error().kind == ErrorKind::invalid_input);
  flt = {};
  flt.from = "soon";
  CHECK(list_sessions(f.db, flt).error().message.find("--from") != std::string::npos);
  flt = {};
  flt.instructor = "nobody@example.com";
  CHECK(list_sessions(f.db, flt).error().kind == ErrorKind::not_found);
  CHECK(parse_session_id("12").value() == 12);
  CHECK_FALSE(parse_session_id("-1"));
  CHECK_FALSE(parse_session_id("1x"));
}
