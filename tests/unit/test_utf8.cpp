// zc::valid_utf8 and zc::utf8_length, and the name limits that count characters with them:
// an Arabic name takes two bytes a letter and must get all 128 letters.

#include "scratch.hpp"

#include "core/db.hpp"
#include "core/services/directory.hpp"
#include "core/util/utf8.hpp"

#include <doctest/doctest.h>

#include <string>

namespace {

std::string repeat(std::string_view s, int n)
{
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += s;
  }
  return out;
}

} // namespace

TEST_CASE("utf8: well-formed text and its length in code points")
{
  CHECK(zc::valid_utf8(""));
  CHECK(zc::valid_utf8("Layla"));
  CHECK(zc::valid_utf8("\xD9\x84\xD9\x8A\xD9\x84\xD9\x89")); // ليلى
  CHECK(zc::utf8_length("\xD9\x84\xD9\x8A\xD9\x84\xD9\x89") == 4);
  CHECK(zc::valid_utf8("\xF0\x9F\x98\x80")); // an emoji, four bytes
  CHECK(zc::utf8_length("a\xF0\x9F\x98\x80z") == 3);
  CHECK_FALSE(zc::valid_utf8("\xC0\xAF"));         // overlong '/'
  CHECK_FALSE(zc::valid_utf8("\xE0\x80\xAF"));     // overlong, three bytes
  CHECK_FALSE(zc::valid_utf8("\xED\xA0\x80"));     // a surrogate
  CHECK_FALSE(zc::valid_utf8("\xF4\x90\x80\x80")); // past U+10FFFF
  CHECK_FALSE(zc::valid_utf8("\xD9"));             // cut short
  CHECK_FALSE(zc::valid_utf8("\x80"));             // a lone continuation byte
}

TEST_CASE("services::add_user and add_cohort count names in characters, not bytes")
{
  zc::test::Scratch scratch;
  auto db = zc::db::Database::open(scratch.file("z.db"), zc::db::Migrate::yes).value();
  const std::string alef = "\xD8\xA7"; // ا
  REQUIRE(zc::services::add_user(db, "a@example.com", repeat(alef, 128), zc::Role::learner, "t"));
  const auto too_long = zc::services::add_user(db, "b@example.com", repeat(alef, 129), zc::Role::learner, "t");
  REQUIRE_FALSE(too_long);
  CHECK(too_long.error().message == "name is longer than 128 characters");
  const auto broken = zc::services::add_user(db, "c@example.com", "Bad \xC0\xAF name", zc::Role::learner, "t");
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message == "name is not valid UTF-8");

  REQUIRE(zc::services::add_cohort(db, repeat(alef, 200), "t"));
  const auto long_cohort = zc::services::add_cohort(db, repeat(alef, 201), "t");
  REQUIRE_FALSE(long_cohort);
  CHECK(long_cohort.error().message == "cohort name is longer than 200 characters");
}
