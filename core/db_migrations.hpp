#pragma once
// The schema migrations embedded from schema/*.sql at build time.

#include <string_view>
#include <vector>

namespace zc::db {

/// One numbered migration: `version` N comes from the file name `NNNN_name.sql`.
struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

/// Every embedded migration, in ascending version order.
const std::vector<Migration>& embedded_migrations();

} // namespace zc::db
