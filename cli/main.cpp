// zoomctl: the operator's command line. Parses the global options, lets each
// command group declare its subcommands, dispatches to the chosen one and maps
// failures to the documented exit codes.

#include "cli/common.hpp"
#include "zoomctl_version.hpp"

#include "core/log.hpp"

#include <SQLiteCpp/Exception.h>

#include <iostream>
#include <vector>

namespace zc::cli {
std::unique_ptr<Group> make_zoom_group(); // cli/zoom_cmd.cpp
} // namespace zc::cli

namespace {

int run(int argc, char** argv)
{
  using namespace zc::cli;
  CLI::App app{"zoomctl: run live training on Zoom (users, licenses, sessions, attendance)", "zoomctl"};
  app.set_version_flag("--version", std::string("zoomctl ") + ZOOMCTL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  Globals globals;
  app.add_option("--db", globals.db_path, "Database file (env ZOOMCTL_DB; default $XDG_DATA_HOME/zoomctl/zoomctl.db)")
      ->type_name("PATH");
  app.add_option("--env-file", globals.env_file, "Read settings from this dotenv file (the environment wins)")
      ->type_name("PATH");
  app.add_flag("--json", globals.json, "Print results as JSON");
  app.add_flag("-v,--verbose", globals.verbose, "Log what happens to stderr (-vv for debug)");
  app.add_flag("-q,--quiet", globals.quiet, "Print only errors");
  app.add_option("--actor", globals.actor, "Who is acting, for the audit log (default: the OS user)")
      ->type_name("NAME");

  // The command groups, one per file in cli/.
  std::vector<std::unique_ptr<Group>> groups;
  groups.push_back(make_config_group());
  groups.push_back(make_db_group());
  groups.push_back(make_user_group());
  groups.push_back(make_cohort_group());
  groups.push_back(make_license_group());
  groups.push_back(make_session_group());
  groups.push_back(make_completion_group());
  groups.push_back(make_zoom_group());
  groups.push_back(make_attendance_group());
  groups.push_back(make_webhook_group());
  groups.push_back(make_link_group());
  groups.push_back(make_signature_group());
  for (auto& g : groups) {
    g->add_cli(app);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "zoomctl: error: " << e.what() << "\n(run 'zoomctl --help' or 'zoomctl COMMAND --help')\n";
    return exit_code::usage;
  }

  if (globals.verbose >= 2) {
    zc::log::set_level(zc::log::Level::debug);
  } else if (globals.verbose == 1) {
    zc::log::set_level(zc::log::Level::info);
  } else if (globals.quiet) {
    zc::log::set_level(zc::log::Level::error);
  }

  Context ctx(globals);
  try {
    ctx.load_config();
    for (auto& g : groups) {
      if (auto code = g->run(ctx)) {
        return *code;
      }
    }
    std::cerr << "zoomctl: error: no command chosen (run 'zoomctl --help')\n";
    return exit_code::usage;
  } catch (const zc::Fatal& f) {
    return report(f.error());
  } catch (const SQLite::Exception& e) {
    return report(zc::make_error(zc::ErrorKind::database, std::string("database error: ") + e.what()));
  }
}

} // namespace

int main(int argc, char** argv)
{
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "zoomctl: internal error: " << zc::log::redact(e.what()) << '\n';
    return zc::cli::exit_code::internal;
  }
}
