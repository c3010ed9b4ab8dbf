// zoomctl zoom token | zoom get PATH: operator debugging of the Zoom connection.

#include "cli/common.hpp"

#include "core/zoom/client.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>
#include <sstream>

namespace zc::cli {

std::unique_ptr<Group> make_zoom_group();

namespace {

std::vector<std::string> split_scopes(const std::string& scope)
{
  std::vector<std::string> out;
  std::istringstream in(scope);
  for (std::string s; in >> s;) {
    out.push_back(s);
  }
  return out;
}

class ZoomGroup final : public Group
{
public:
  void add_cli(CLI::App& app) override
  {
    auto* zoom = app.add_subcommand("zoom", "Talk to the Zoom API directly (operator debugging)");
    zoom->require_subcommand(1);

    m_token = zoom->add_subcommand("token", "Get a Server-to-Server OAuth token (cached) and show its expiry and "
                                            "scopes; the token itself only with --show");
    m_token->add_flag("--show", m_show, "Also print the access token (it grants API access: handle with care)");
    m_token->add_flag("--refresh", m_refresh, "Fetch a new token even when the cached one is still valid");

    m_get = zoom->add_subcommand("get", "Send an authenticated GET to the Zoom API and print the JSON answer");
    m_get->add_option("PATH", m_path, "Path below the API base URL, e.g. /users/me or '/users?status=pending'")
        ->required();
    m_get->add_flag("--show-secrets", m_show_secrets,
                    "Print start_url and ZAK/token values as Zoom sent them (they let anyone start the meeting as "
                    "its host); hidden by default");
  }

  std::optional<int> run(Context& ctx) override
  {
    if (m_token->parsed()) {
      return run_token(ctx);
    }
    if (m_get->parsed()) {
      return run_get(ctx);
    }
    return std::nullopt;
  }

private:
  int run_token(Context& ctx) const
  {
    ctx.require(config::Need::zoom_api);
    zoom::ZoomClient client(ctx.config(), ctx.db());
    const auto token = need(client.token(m_refresh ? zoom::Refresh::force : zoom::Refresh::if_needed));
    const auto api_url = zoom::effective_api_url(ctx.config(), token);
    const auto expires_in = (token.expires_at - now()).count();
    const auto scopes = split_scopes(token.scope);
    if (ctx.json()) {
      nlohmann::json j = {{"expires_at", format_iso8601(token.expires_at)},
                          {"expires_in", expires_in},
                          {"fetched_at", format_iso8601(token.fetched_at)},
                          {"scopes", scopes},
                          {"api_url", api_url}};
      if (m_show) {
        j["access_token"] = token.access_token;
      }
      print_json(j);
      return exit_code::ok;
    }
    std::cout << fmt::format("expires:  {} (in {} min)\n", format_iso8601(token.expires_at), expires_in / 60);
    std::cout << fmt::format("fetched:  {}\n", format_iso8601(token.fetched_at));
    std::cout << fmt::format("api url:  {}\n", api_url);
    std::cout << fmt::format("scopes:   {}\n",
                             scopes.empty() ? std::string("(none listed)") : fmt::format("{}", fmt::join(scopes, " ")));
    if (m_show) {
      std::cout << fmt::format("token:    {}\n", token.access_token);
    }
    return exit_code::ok;
  }

  int run_get(Context& ctx) const
  {
    ctx.require(config::Need::zoom_api);
    std::string path = m_path;
    if (path.empty() || path.front() != '/') {
      path.insert(0, "/");
    }
    // Accept paths copied from Zoom's docs, which include the /v2 prefix.
    if (path.starts_with("/v2/")) {
      path.erase(0, 3);
    }
    zoom::ZoomClient client(ctx.config(), ctx.db());
    auto result = need(client.request(zoom::Method::get, path));
    if (!m_show_secrets) {
      hide_host_credentials(result);
    }
    print_json(result);
    return exit_code::ok;
  }

  // A meeting's start_url carries the host's ZAK, and GET /users/{id}/token answers {"token": ZAK}:
  // either one starts the class as its host, so they are shown only when asked for.
  static void hide_host_credentials(nlohmann::json& j)
  {
    if (j.is_object()) {
      for (auto& [key, value] : j.items()) {
        if ((key == "start_url" || key == "token" || key == "zak") && value.is_string()) {
          value = "[hidden: add --show-secrets]";
        } else {
          hide_host_credentials(value);
        }
      }
    } else if (j.is_array()) {
      for (auto& v : j) {
        hide_host_credentials(v);
      }
    }
  }

  CLI::App* m_token = nullptr;
  CLI::App* m_get = nullptr;
  bool m_show = false;
  bool m_refresh = false;
  bool m_show_secrets = false;
  std::string m_path;
};

} // namespace

std::unique_ptr<Group> make_zoom_group()
{
  return std::make_unique<ZoomGroup>();
}

} // namespace zc::cli
