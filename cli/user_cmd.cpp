// zoomctl user add | import | list | show | provision

#include "cli/common.hpp"

#include "core/services/directory.hpp"
#include "core/services/provisioning.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>

namespace zc::cli {

namespace {

class UserGroup final : public Group
{
public:
  void add_cli(CLI::App& app) override
  {
    auto* user = app.add_subcommand("user", "Manage people: instructors, learners, coordinators, admins");
    user->require_subcommand(1);

    m_add = user->add_subcommand("add", "Add a person to the local directory");
    m_add->add_option("EMAIL", m_email, "Email address (unique, case-insensitive)")->required();
    m_add->add_option("--name", m_name, "Full name")->required();
    m_add->add_option("--role", m_role, "instructor, learner, coordinator or admin")
        ->required()
        ->check(CLI::IsMember({"instructor", "learner", "coordinator", "admin"}));

    m_import = user->add_subcommand("import", "Add or update people from a CSV file (header email,name,role[,cohort])");
    m_import->add_option("FILE", m_file, "CSV file, or - for standard input")->required();

    m_list = user->add_subcommand("list", "List people");
    m_list->add_option("--role", m_filter_role, "Only this role")
        ->check(CLI::IsMember({"instructor", "learner", "coordinator", "admin"}));

    m_show = user->add_subcommand("show", "Show one person");
    m_show->add_option("EMAIL", m_email, "Email address or user id")->required();

    m_provision =
        user->add_subcommand("provision", "Give an instructor a Zoom user (created, or adopted if Zoom has it)");
    m_provision->add_option("EMAIL", m_email, "Email address or user id of an instructor");
    m_provision->add_flag("--all-instructors", m_all_instructors, "Provision every instructor; exit 1 if any failed");
  }

  std::optional<int> run(Context& ctx) override
  {
    if (m_add->parsed()) {
      const auto role = parse_role(m_role);
      const auto u = need(services::add_user(ctx.db(), m_email, m_name, *role, ctx.actor()));
      if (ctx.json()) {
        print_json(services::to_json(u));
      } else if (!ctx.quiet()) {
        std::cout << fmt::format("added {} {} <{}> as user {}\n", to_string(u.role), u.name, u.email, u.id);
      }
      return exit_code::ok;
    }
    if (m_import->parsed()) {
      return run_import(ctx);
    }
    if (m_list->parsed()) {
      std::optional<Role> role;
      if (!m_filter_role.empty()) {
        role = parse_role(m_filter_role);
      }
      const auto users = services::list_users(ctx.db(), role);
      if (ctx.json()) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& u : users) {
          arr.push_back(services::to_json(u));
        }
        print_json(arr);
      } else {
        std::cout << fmt::format("{:>5}  {:<32} {:<11} {:<24} {}\n", "ID", "EMAIL", "ROLE", "ZOOM USER", "NAME");
        for (const auto& u : users) {
          std::cout << fmt::format("{:>5}  {:<32} {:<11} {:<24} {}\n", u.id, u.email, to_string(u.role),
                                   u.zoom_user_id.value_or("-"), u.name);
        }
      }
      return exit_code::ok;
    }
    if (m_show->parsed()) {
      const auto u = need(services::find_user(ctx.db(), m_email));
      if (ctx.json()) {
        print_json(services::to_json(u));
      } else {
        std::cout << fmt::format("id:            {}\nemail:         {}\nname:          {}\nrole:          {}\n"
                                 "zoom user:     {}\nzoom status:   {}\nlicense type:  {}\nlicensed at:   {}\n"
                                 "created:       {}\n",
                                 u.id, u.email, u.name, to_string(u.role), u.zoom_user_id.value_or("-"),
                                 u.zoom_status.value_or("-"),
                                 u.license_type ? std::to_string(*u.license_type) : std::string("-"),
                                 u.license_assigned_at.value_or("-"), u.created_at);
      }
      return exit_code::ok;
    }
    if (m_provision->parsed()) {
      return run_provision(ctx);
    }
    return std::nullopt;
  }

private:
  /// The whole of `m_file` (standard input for "-").
  [[nodiscard]] std::string read_input() const
  {
    if (m_file == "-") {
      return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    }
    std::error_code ec;
    if (std::filesystem::is_directory(m_file, ec)) {
      throw Fatal(make_error(ErrorKind::invalid_input, fmt::format("{} is a directory, not a CSV file", m_file)));
    }
    std::ifstream in(m_file, std::ios::binary);
    if (!in) {
      throw Fatal(make_error(ErrorKind::invalid_input, fmt::format("cannot read {}", m_file)));
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    return buf.str();
  }

  int run_import(Context& ctx)
  {
    const auto text = read_input();
    std::optional<Progress> progress;
    const auto rows = need(services::import_users(ctx.db(), text, ctx.actor(), [&](std::size_t total) {
      if (!progress) {
        progress.emplace(ctx, "importing", total);
      }
      progress->tick();
    }));
    progress.reset();
    std::map<services::UserImportOutcome, int> counts;
    int enrolled = 0;
    for (const auto& r : rows) {
      ++counts[r.outcome];
      enrolled += r.enrolled ? 1 : 0;
    }
    if (ctx.json()) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& r : rows) {
        arr.push_back(services::to_json(r));
      }
      print_json(arr);
      return exit_code::ok;
    }
    if (ctx.quiet()) {
      return exit_code::ok;
    }
    for (const auto& r : rows) {
      const std::string cohort = r.enrolled ? fmt::format(", enrolled in {}", *r.cohort) : std::string();
      if (r.outcome == services::UserImportOutcome::added) {
        std::cout << fmt::format("line {}: added {} {} <{}> as user {}{}\n", r.line, to_string(r.user.role),
                                 r.user.name, r.email, r.user.id, cohort);
      } else if (r.outcome == services::UserImportOutcome::updated) {
        std::string what;
        for (const auto& c : r.changed) {
          if (c != "cohort") {
            what += (what.empty() ? "" : ", ") + c;
          }
        }
        std::cout << fmt::format("line {}: updated {}{}{}\n", r.line, r.email,
                                 what.empty() ? std::string() : " (" + what + ")", cohort);
      }
    }
    const auto added = counts[services::UserImportOutcome::added];
    const auto updated = counts[services::UserImportOutcome::updated];
    std::cout << fmt::format("{} rows: added {}, updated {}, unchanged {}{}{}\n", rows.size(), added, updated,
                             counts[services::UserImportOutcome::unchanged],
                             enrolled > 0 ? fmt::format("; {} enrolled in a cohort", enrolled) : std::string(),
                             added + updated == 0 ? "; nothing changed" : "");
    return exit_code::ok;
  }

  int run_provision(Context& ctx)
  {
    if (m_all_instructors == !m_email.empty()) {
      throw Fatal(make_error(ErrorKind::invalid_input, "give either EMAIL or --all-instructors"));
    }
    ctx.require(config::Need::zoom_api);
    zoom::ZoomClient client(ctx.config(), ctx.db());
    if (!m_all_instructors) {
      const auto r = need(services::provision(ctx.db(), client, m_email, ctx.actor()));
      if (ctx.json()) {
        print_json(services::to_json(r));
      } else if (!ctx.quiet()) {
        std::cout << fmt::format("{} {}: Zoom user {} ({}){}\n", r.user.email, services::to_string(r.outcome),
                                 r.user.zoom_user_id.value_or("-"), r.user.zoom_status.value_or("-"),
                                 r.reason.empty() ? std::string() : "; " + r.reason);
      }
      return exit_code::ok;
    }
    std::optional<Progress> progress;
    const auto results = services::provision_all_instructors(ctx.db(), client, ctx.actor(), [&](std::size_t total) {
      if (!progress) {
        progress.emplace(ctx, "provisioning", total);
      }
      progress->tick();
    });
    progress.reset();
    std::map<services::ProvisionOutcome, int> counts;
    for (const auto& r : results) {
      ++counts[r.outcome];
    }
    if (ctx.json()) {
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& r : results) {
        arr.push_back(services::to_json(r));
      }
      print_json(arr);
    } else {
      for (const auto& r : results) {
        if (r.outcome == services::ProvisionOutcome::failed) {
          std::cout << fmt::format("{} failed: {}\n", r.user.email, r.reason);
        } else if (!ctx.quiet()) {
          std::cout << fmt::format("{} {}: Zoom user {} ({})\n", r.user.email, services::to_string(r.outcome),
                                   r.user.zoom_user_id.value_or("-"), r.user.zoom_status.value_or("-"));
        }
      }
      std::cout << fmt::format("{} instructors: {} created, {} adopted, {} already, {} failed\n", results.size(),
                               counts[services::ProvisionOutcome::created], counts[services::ProvisionOutcome::adopted],
                               counts[services::ProvisionOutcome::already], counts[services::ProvisionOutcome::failed]);
    }
    return counts[services::ProvisionOutcome::failed] == 0 ? exit_code::ok : exit_code::failure;
  }

  CLI::App* m_add = nullptr;
  CLI::App* m_import = nullptr;
  CLI::App* m_list = nullptr;
  CLI::App* m_show = nullptr;
  CLI::App* m_provision = nullptr;
  bool m_all_instructors = false;
  std::string m_email;
  std::string m_name;
  std::string m_role;
  std::string m_filter_role;
  std::string m_file;
};

} // namespace

std::unique_ptr<Group> make_user_group()
{
  return std::make_unique<UserGroup>();
}

} // namespace zc::cli
