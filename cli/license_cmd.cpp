// zoomctl license assign | release | audit

#include "cli/common.hpp"

#include "core/services/licensing.hpp"

#include <fmt/format.h>

#include <iostream>

namespace zc::cli {

namespace {

class LicenseGroup final : public Group
{
public:
  void add_cli(CLI::App& app) override
  {
    auto* lic = app.add_subcommand("license", "Assign, release and audit Zoom licenses (user type 2 Licensed)");
    lic->require_subcommand(1);

    m_assign = lic->add_subcommand("assign", "Give an instructor a Zoom license (provisions the Zoom user first)");
    m_assign->add_option("EMAIL", m_user, "Email address or user id")->required();

    m_release = lic->add_subcommand("release", "Return a user's license (Zoom type 1 Basic)");
    m_release->add_option("EMAIL", m_user, "Email address or user id")->required();

    m_audit = lic->add_subcommand("audit", "Compare the database with Zoom; exit 1 when anything needs attention");
    m_audit->add_option("--idle-days", m_idle_days, "A license with no session within this many days is idle")
        ->default_val(30);
  }

  std::optional<int> run(Context& ctx) override
  {
    if (m_assign->parsed() || m_release->parsed()) {
      ctx.require(config::Need::zoom_api);
      zoom::ZoomClient client(ctx.config(), ctx.db());
      const auto r = m_assign->parsed() ? need(services::assign_license(ctx.db(), client, m_user, ctx.actor()))
                                        : need(services::release_license(ctx.db(), client, m_user, ctx.actor()));
      if (ctx.json()) {
        print_json(services::to_json(r));
      } else if (!ctx.quiet()) {
        const bool assigned = m_assign->parsed();
        std::cout << fmt::format(
            "{} {} {}\n", r.user.email,
            assigned ? (r.change == services::LicenseChange::changed ? "now holds a license" : "already held a license")
                     : (r.change == services::LicenseChange::changed ? "released its license" : "held no license"),
            assigned ? fmt::format("(Zoom type 2, since {})", r.user.license_assigned_at.value_or("-"))
                     : std::string("(Zoom type 1 Basic)"));
      }
      return exit_code::ok;
    }
    if (m_audit->parsed()) {
      ctx.require(config::Need::zoom_api);
      zoom::ZoomClient client(ctx.config(), ctx.db());
      const auto findings = need(services::audit_licenses(ctx.db(), client, m_idle_days));
      if (ctx.json()) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& f : findings) {
          arr.push_back(services::to_json(f));
        }
        print_json(arr);
      } else {
        for (const auto& f : findings) {
          std::cout << fmt::format("{}: {}\n", f.kind, f.detail);
        }
        if (findings.empty() && !ctx.quiet()) {
          std::cout << "licenses ok: the database and Zoom agree\n";
        }
      }
      return findings.empty() ? exit_code::ok : exit_code::failure;
    }
    return std::nullopt;
  }

private:
  CLI::App* m_assign = nullptr;
  CLI::App* m_release = nullptr;
  CLI::App* m_audit = nullptr;
  std::string m_user;
  int m_idle_days = 30;
};

} // namespace

std::unique_ptr<Group> make_license_group()
{
  return std::make_unique<LicenseGroup>();
}

} // namespace zc::cli
