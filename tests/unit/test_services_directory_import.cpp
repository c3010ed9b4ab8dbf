// services::import_users: header rules, every problem named with its line,
// nothing written on a refusal, added/updated/unchanged with audit entries.

#include "scratch.hpp"

#include "core/db.hpp"
#include "core/services/directory.hpp"

#include <doctest/doctest.h>

using namespace zc;

namespace {

struct Rig {
  test::Scratch scratch;
  db::Database db = db::Database::open(scratch.file("z.db"), db::Migrate::yes).value();

  int count(const char* sql)
  {
    SQLite::Statement q(db.sql(), sql);
    q.executeStep();
    return q.getColumn(0).getInt();
  }
};

} // namespace

TEST_CASE("services::import_users adds, updates and leaves unchanged, each change audited")
{
  Rig rig;
  REQUIRE(services::add_user(rig.db, "a@example.com", "A", Role::learner, "t"));
  REQUIRE(services::add_user(rig.db, "b@example.com", "B", Role::learner, "t"));
  const auto rows = services::import_users(rig.db,
                                           "\xEF\xBB\xBFName,Role,Email\r\n"
                                           "A,learner,A@Example.com\r\n"
                                           "B,admin,b@example.com\r\n"
                                           "\"C, the third\",instructor,c@example.com\r\n",
                                           "tester");
  REQUIRE(rows);
  REQUIRE(rows->size() == 3);
  CHECK((*rows)[0].outcome == services::UserImportOutcome::unchanged);
  CHECK((*rows)[1].outcome == services::UserImportOutcome::updated);
  CHECK((*rows)[1].changed == std::vector<std::string>{"role"});
  CHECK((*rows)[1].user.role == Role::admin);
  CHECK((*rows)[2].outcome == services::UserImportOutcome::added);
  CHECK((*rows)[2].user.name == "C, the third");
  CHECK((*rows)[2].line == 4);
  CHECK(rig.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.update' AND actor = 'tester' "
                  "AND before_json LIKE '%learner%' AND after_json LIKE '%admin%'") == 1);
  CHECK(rig.count("SELECT COUNT(*) FROM audit_log WHERE action = 'user.add' AND actor = 'tester'") == 1);
}

TEST_CASE("services::import_users names every bad row and writes nothing")
{
  Rig rig;
  const auto r = services::import_users(rig.db,
                                        "email,name,role\n"
                                        "ok@example.com,Ok,learner\n"
                                        "bad,X,learner\n"
                                        "y@example.com,Y,chief\n"
                                        "z@example.com,\xC3\x28,learner\n"
                                        "ok@example.com,Ok,learner\n",
                                        "t");
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::invalid_input);
  const auto& m = r.error().message;
  CHECK(m.find("4 problems in 5 rows") != std::string::npos);
  CHECK(m.find("line 3: email 'bad'") != std::string::npos);
  CHECK(m.find("line 4: role 'chief'") != std::string::npos);
  CHECK(m.find("line 5: name is not valid UTF-8") != std::string::npos);
  CHECK(m.find("line 6: email ok@example.com is already on line 2") != std::string::npos);
  CHECK(rig.count("SELECT COUNT(*) FROM users") == 0);
  CHECK(rig.count("SELECT COUNT(*) FROM audit_log") == 0);
}

TEST_CASE("services::import_users checks the header")
{
  Rig rig;
  CHECK_FALSE(services::import_users(rig.db, "", "t"));
  CHECK_FALSE(services::import_users(rig.db, "email,name\n", "t"));
  CHECK_FALSE(services::import_users(rig.db, "email,name,role,email\n", "t"));
  CHECK_FALSE(services::import_users(rig.db, "email,name,role,extra\n", "t"));
  const auto ok = services::import_users(rig.db, " COHORT , role,email,name\n", "t");
  REQUIRE(ok);
  CHECK(ok->empty());
}

TEST_CASE("services::import_users accepts UTF-8 names and refuses broken UTF-8")
{
  Rig rig;
  const std::string arabic = "\xD9\x84\xD9\x8A\xD9\x84\xD9\x89"; // ليلى
  auto good = services::import_users(rig.db, "email,name,role\nl@example.com," + arabic + ",learner\n", "t");
  REQUIRE(good);
  CHECK((*good)[0].user.name == arabic);
  // overlong '/', a lone continuation byte, a surrogate, past U+10FFFF, a cut-off sequence
  for (const std::string bad : {"\xC0\xAF", "\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80", "ab\xE2\x82"}) {
    const auto r = services::import_users(rig.db, "email,name,role\nx@example.com," + bad + ",learner\n", "t");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("not valid UTF-8") != std::string::npos);
  }
}
