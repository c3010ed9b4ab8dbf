// zoomctl config check: every variable as ok / missing / malformed, secrets masked.

#include "cli/common.hpp"

#include <fmt/format.h>

#include <iostream>

namespace zc::cli {

namespace {

class ConfigGroup final : public Group
{
public:
  void add_cli(CLI::App& app) override
  {
    auto* cfg = app.add_subcommand("config", "Inspect the configuration");
    cfg->require_subcommand(1);
    m_check = cfg->add_subcommand("check", "Report every setting as ok, missing or malformed (secrets masked); "
                                           "exit 0 when the six ZOOM_* variables are set and well formed");
  }

  std::optional<int> run(Context& ctx) override
  {
    if (!m_check->parsed()) {
      return std::nullopt;
    }
    const auto& loaded = ctx.loaded();
    bool ok = true;
    for (const auto& r : loaded.report) {
      if (r.state == config::VarState::malformed || (r.required && r.state != config::VarState::ok)) {
        ok = false;
      }
    }
    if (ctx.json()) {
      nlohmann::json vars = nlohmann::json::array();
      for (const auto& r : loaded.report) {
        vars.push_back({{"name", r.name},
                        {"state", config::to_string(r.state)},
                        {"required", r.required},
                        {"secret", r.secret},
                        {"value", r.shown},
                        {"detail", r.detail}});
      }
      print_json({{"ok", ok}, {"variables", vars}});
    } else {
      for (const auto& r : loaded.report) {
        std::cout << fmt::format("{:<30} {:<9} {}{}\n", r.name, config::to_string(r.state), r.shown,
                                 r.detail.empty() ? "" : (r.shown.empty() ? "" : "  ") + r.detail);
      }
      std::cout << (ok ? "configuration ok\n" : "configuration has problems\n");
    }
    return ok ? exit_code::ok : exit_code::config;
  }

private:
  CLI::App* m_check = nullptr;
};

} // namespace

std::unique_ptr<Group> make_config_group()
{
  return std::make_unique<ConfigGroup>();
}

} // namespace zc::cli
