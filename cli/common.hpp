#pragma once
// What every zoomctl command shares: the global options, the context a command
// runs in (configuration, database, output mode), exit codes and output helpers.
//
// A command group is one file in cli/: a class deriving from `Group` whose
// `add_cli` declares its subcommands and options (CLI11 only records what was
// chosen) and whose `run` executes the chosen subcommand by calling core.

#include "core/config.hpp"
#include "core/db.hpp"
#include "core/util/expected.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>

namespace zc::cli {

/// Documented exit codes (man zoomctl(1), EXIT STATUS).
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int failure = 1;   ///< the command ran but something needs attention (partial failure, audit findings)
inline constexpr int usage = 2;     ///< bad flags or input
inline constexpr int not_found = 3; ///< a named record does not exist
inline constexpr int conflict = 4;  ///< the change clashes with existing state
inline constexpr int config = 5;    ///< configuration missing or malformed
inline constexpr int zoom = 6;      ///< Zoom refused or failed
inline constexpr int auth = 7;      ///< credentials rejected
inline constexpr int database = 8;  ///< the database could not be used
inline constexpr int internal = 70; ///< a bug
} // namespace exit_code

/// The exit code for an error of `kind`.
int exit_code_for(ErrorKind kind);

/// Options every command accepts (declared once in main).
struct Globals {
  std::string db_path;
  std::string env_file;
  bool json = false;
  int verbose = 0;
  bool quiet = false;
  std::string actor;
};

/// The environment a command runs in.
class Context
{
public:
  explicit Context(Globals globals);

  /// Loads the environment (and `--env-file`); throws `Fatal` on an unreadable env file.
  void load_config();

  /// The validated settings.
  [[nodiscard]] const config::Config& config() const { return m_loaded.config; }
  /// The settings with a report line per variable.
  [[nodiscard]] const config::Loaded& loaded() const { return m_loaded; }
  /// Throws `Fatal` (configuration) listing every problem when `need` is not met.
  void require(config::Need need) const;

  /// The database, opened (and migrated) on first use; throws `Fatal` when it cannot be.
  db::Database& db();
  /// The database opened without migrating (for `db status`).
  db::Database& db_without_migrating();

  /// Who is acting: `--actor`, else the OS user.
  [[nodiscard]] std::string actor() const;
  /// Whether `--json` was given.
  [[nodiscard]] bool json() const { return m_globals.json; }
  /// Whether `-q` was given.
  [[nodiscard]] bool quiet() const { return m_globals.quiet; }
  /// Whether stderr is a terminal (progress bars go there only then).
  [[nodiscard]] bool stderr_is_tty() const;

  /// The global options.
  [[nodiscard]] const Globals& globals() const { return m_globals; }

private:
  Globals m_globals;
  config::Loaded m_loaded;
  std::optional<db::Database> m_db;
};

/// A group of subcommands (`zoomctl user ...`).
class Group
{
public:
  Group() = default;
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;
  Group(Group&&) = delete;
  Group& operator=(Group&&) = delete;
  virtual ~Group() = default;
  /// Declares the group's subcommands and options on `app`.
  virtual void add_cli(CLI::App& app) = 0;
  /// Runs the chosen subcommand and returns the exit code, or nothing when none of this group's was chosen.
  virtual std::optional<int> run(Context& ctx) = 0;
};

/// Prints `j` to stdout as indented JSON.
void print_json(const nlohmann::json& j);

/// Prints `err` to stderr as "zoomctl: error: ..." and returns its exit code.
int report(const Error& err);

/// Value of an Expected or throws Fatal (caught in main).
template <typename T> T need(Expected<T> e)
{
  return value_or_throw(std::move(e));
}

/// A progress display on stderr when it is a terminal; silent otherwise.
class Progress
{
public:
  Progress(const Context& ctx, std::string label, std::size_t total);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();
  /// Advances by one item.
  void tick();

private:
  bool m_enabled;
  std::string m_label;
  std::size_t m_total;
  std::size_t m_done = 0;
};

// The command groups, one per file.
std::unique_ptr<Group> make_config_group();
std::unique_ptr<Group> make_db_group();
std::unique_ptr<Group> make_user_group();
std::unique_ptr<Group> make_cohort_group();
std::unique_ptr<Group> make_license_group();
std::unique_ptr<Group> make_session_group();
std::unique_ptr<Group> make_attendance_group();
std::unique_ptr<Group> make_webhook_group();
std::unique_ptr<Group> make_completion_group();
std::unique_ptr<Group> make_link_group();
std::unique_ptr<Group> make_signature_group();

} // namespace zc::cli
