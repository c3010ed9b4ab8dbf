// zoomctl link: a signed, expiring link to a page for one person.

#include "cli/common.hpp"

#include "core/services/join_service.hpp"
#include "core/util/time.hpp"

#include <fmt/format.h>

#include <charconv>
#include <iostream>

namespace zc::cli {

namespace {

class LinkGroup final : public Group
{
public:
  void add_cli(CLI::App& app) override
  {
    m_link = app.add_subcommand(
        "link", "Print a signed, expiring link to a page for one person (instructor sessions, my courses, join, "
                "attendance)");
    m_link->add_option("EMAIL", m_user, "The person's email address or user id")->required();
    auto* session =
        m_link->add_option("--session", m_session, "Open this session's page (join by default)")->type_name("ID");
    auto* page = m_link
                     ->add_option("--page", m_page,
                                  "home (default), join (needs --session) or attendance (instructor, needs --session)")
                     ->check(CLI::IsMember({"home", "join", "attendance"}));
    auto* ttl =
        m_link->add_option("--ttl", m_ttl, "How long the link works: 90m, 12h (default), 7d; 1 minute to 31 days")
            ->type_name("DURATION");
    auto* lang = m_link->add_option("--lang", m_lang, "The page's language: ar or en (default: the page's own choice)")
                     ->check(CLI::IsMember({"ar", "en"}));
    m_link
        ->add_flag("--revoke", m_revoke,
                   "Revoke every link made for this person until now instead of printing a new one; later links work")
        ->excludes(session)
        ->excludes(page)
        ->excludes(ttl)
        ->excludes(lang);
  }

  std::optional<int> run(Context& ctx) override
  {
    if (!m_link->parsed()) {
      return std::nullopt;
    }
    if (m_revoke) {
      return revoke(ctx);
    }
    services::LinkRequest req;
    req.user = m_user;
    if (!m_session.empty()) {
      const auto id = parse_id(m_session);
      if (!id) {
        throw Fatal(make_error(ErrorKind::invalid_input,
                               fmt::format("--session: '{}' is not a session id (a positive number)", m_session)));
      }
      req.session_id = *id;
    }
    if (!m_page.empty()) {
      req.page = access::parse_page(m_page);
    }
    if (!m_ttl.empty()) {
      const auto ttl = parse_duration(m_ttl);
      if (!ttl) {
        throw Fatal(make_error(ErrorKind::invalid_input,
                               fmt::format("--ttl: '{}' is not a duration (e.g. 90m, 12h, 7d)", m_ttl)));
      }
      req.ttl = *ttl;
    }
    if (!m_lang.empty()) {
      req.lang = m_lang;
    }
    ctx.require(config::Need::links);
    const auto link = need(services::make_link(ctx.db(), ctx.config(), req, now()));
    if (ctx.json()) {
      print_json(services::to_json(link));
    } else {
      std::cout << link.url << '\n';
      if (!ctx.quiet()) {
        std::cerr << fmt::format("link for {} <{}> ({}), valid until {}\n", link.user.name, link.user.email,
                                 to_string(link.user.role), format_iso8601(link.expires_at));
      }
    }
    return exit_code::ok;
  }

private:
  int revoke(Context& ctx)
  {
    const auto r = need(services::revoke_links(ctx.db(), m_user, ctx.actor()));
    if (ctx.json()) {
      print_json({{"user", {{"id", r.user.id}, {"email", r.user.email}, {"name", r.user.name}}},
                  {"revoked", true},
                  {"link_generation", r.generation}});
    } else if (!ctx.quiet()) {
      std::cout << fmt::format("revoked every link made for {} <{}> until now; new links work\n", r.user.name,
                               r.user.email);
    }
    return exit_code::ok;
  }

  static std::optional<std::int64_t> parse_id(const std::string& s)
  {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v <= 0) {
      return std::nullopt;
    }
    return v;
  }

  CLI::App* m_link = nullptr;
  std::string m_user;
  std::string m_session;
  std::string m_page;
  std::string m_ttl;
  std::string m_lang;
  bool m_revoke = false;
};

} // namespace

std::unique_ptr<Group> make_link_group()
{
  return std::make_unique<LinkGroup>();
}

} // namespace zc::cli
