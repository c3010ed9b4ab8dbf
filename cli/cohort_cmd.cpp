// zoomctl cohort add | enroll | list

#include "cli/common.hpp"

#include "core/services/directory.hpp"

#include <fmt/format.h>

#include <iostream>

namespace zc::cli {

namespace {

class CohortGroup final : public Group
{
public:
  void add_cli(CLI::App& app) override
  {
    auto* cohort = app.add_subcommand("cohort", "Manage cohorts (who is expected at a session)");
    cohort->require_subcommand(1);

    m_add = cohort->add_subcommand("add", "Add a cohort");
    m_add->add_option("NAME", m_name, "Cohort name (unique, case-insensitive)")->required();

    m_enroll = cohort->add_subcommand("enroll", "Enroll people in a cohort (all or nothing)");
    m_enroll->add_option("COHORT", m_name, "Cohort name or id")->required();
    m_enroll->add_option("EMAIL", m_emails, "Email addresses of people already added with 'user add'")->required();

    m_list = cohort->add_subcommand("list", "List cohorts with their member counts");
  }

  std::optional<int> run(Context& ctx) override
  {
    if (m_add->parsed()) {
      const auto c = need(services::add_cohort(ctx.db(), m_name, ctx.actor()));
      if (ctx.json()) {
        print_json(services::to_json(c));
      } else if (!ctx.quiet()) {
        std::cout << fmt::format("added cohort '{}' as id {}\n", c.name, c.id);
      }
      return exit_code::ok;
    }
    if (m_enroll->parsed()) {
      const auto r = need(services::enroll(ctx.db(), m_name, m_emails, ctx.actor()));
      if (ctx.json()) {
        print_json({{"cohort", services::to_json(r.cohort)}, {"added", r.added}, {"already", r.already}});
      } else if (!ctx.quiet()) {
        std::cout << fmt::format("cohort '{}': {} enrolled, {} already members, {} members in all\n", r.cohort.name,
                                 r.added.size(), r.already.size(), r.cohort.members);
      }
      return exit_code::ok;
    }
    if (m_list->parsed()) {
      const auto cohorts = services::list_cohorts(ctx.db());
      if (ctx.json()) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& c : cohorts) {
          arr.push_back(services::to_json(c));
        }
        print_json(arr);
      } else {
        std::cout << fmt::format("{:>5}  {:>7}  {}\n", "ID", "MEMBERS", "NAME");
        for (const auto& c : cohorts) {
          std::cout << fmt::format("{:>5}  {:>7}  {}\n", c.id, c.members, c.name);
        }
      }
      return exit_code::ok;
    }
    return std::nullopt;
  }

private:
  CLI::App* m_add = nullptr;
  CLI::App* m_enroll = nullptr;
  CLI::App* m_list = nullptr;
  std::string m_name;
  std::vector<std::string> m_emails;
};

} // namespace

std::unique_ptr<Group> make_cohort_group()
{
  return std::make_unique<CohortGroup>();
}

} // namespace zc::cli
