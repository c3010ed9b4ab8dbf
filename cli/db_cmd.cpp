// zoomctl db migrate | db status

#include "cli/common.hpp"

#include <fmt/format.h>

#include <iostream>

namespace zc::cli {

namespace {

class DbGroup final : public Group
{
public:
  void add_cli(CLI::App& app) override
  {
    auto* db = app.add_subcommand("db", "Manage the database file");
    db->require_subcommand(1);
    m_migrate =
        db->add_subcommand("migrate", "Create the database or apply pending schema migrations (a no-op when current)");
    m_status = db->add_subcommand("status", "Show the schema version of the database");
  }

  std::optional<int> run(Context& ctx) override
  {
    if (m_migrate->parsed()) {
      auto& database = ctx.db_without_migrating();
      const int applied = need(database.migrate());
      const auto st = database.status();
      if (ctx.json()) {
        print_json({{"path", st.path}, {"applied", applied}, {"version", st.version}, {"latest", st.latest}});
      } else if (!ctx.quiet()) {
        std::cout << (applied == 0 ? fmt::format("{}: schema version {}, up to date\n", st.path, st.version)
                                   : fmt::format("{}: applied {} migration(s), schema version {}\n", st.path, applied,
                                                 st.version));
      }
      return exit_code::ok;
    }
    if (m_status->parsed()) {
      const auto st = ctx.db_without_migrating().status();
      const bool current = st.version == st.latest;
      if (ctx.json()) {
        print_json({{"path", st.path},
                    {"version", st.version},
                    {"latest", st.latest},
                    {"current", current},
                    {"journal_mode", st.journal_mode}});
      } else {
        std::cout << fmt::format("path:          {}\nschema:        {} (this zoomctl knows {}){}\njournal mode:  {}\n",
                                 st.path, st.version, st.latest, current ? "" : ", run 'zoomctl db migrate'",
                                 st.journal_mode);
      }
      return exit_code::ok;
    }
    return std::nullopt;
  }

private:
  CLI::App* m_migrate = nullptr;
  CLI::App* m_status = nullptr;
};

} // namespace

std::unique_ptr<Group> make_db_group()
{
  return std::make_unique<DbGroup>();
}

} // namespace zc::cli
