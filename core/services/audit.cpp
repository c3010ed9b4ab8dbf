#include "core/services/audit.hpp"

#include <SQLiteCpp/Statement.h>

#include <cstdlib>
#include <pwd.h>
#include <unistd.h>

namespace zc::services {

void audit(SQLite::Database& db, std::string_view actor, std::string_view action, std::string_view entity,
           std::string_view entity_id, const nlohmann::json& before, const nlohmann::json& after)
{
  SQLite::Statement ins(db, "INSERT INTO audit_log (actor, action, entity, entity_id, before_json, after_json) "
                            "VALUES (?, ?, ?, ?, ?, ?)");
  ins.bind(1, std::string(actor));
  ins.bind(2, std::string(action));
  ins.bind(3, std::string(entity));
  ins.bind(4, std::string(entity_id));
  if (before.is_null()) {
    ins.bind(5);
  } else {
    ins.bind(5, before.dump());
  }
  if (after.is_null()) {
    ins.bind(6);
  } else {
    ins.bind(6, after.dump());
  }
  ins.exec();
}

std::string os_user()
{
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr && pw->pw_name != nullptr) {
    return pw->pw_name;
  }
  if (const char* u = std::getenv("USER"); u != nullptr) { // NOLINT(concurrency-mt-unsafe)
    return u;
  }
  return "unknown";
}

} // namespace zc::services
