// zoomctl signature: a Meeting SDK signature for an operator (testing a join by hand).

#include "cli/common.hpp"

#include "core/services/join_service.hpp"
#include "core/util/time.hpp"

#include <fmt/format.h>

#include <iostream>

namespace zc::cli {

namespace {

class SignatureGroup final : public Group
{
public:
  void add_cli(CLI::App& app) override
  {
    m_sig = app.add_subcommand("signature", "Print a Meeting SDK signature (JWT) for a meeting and role");
    m_sig->add_option("--meeting", m_meeting, "Zoom meeting number")->required()->type_name("N");
    m_sig->add_option("--role", m_role, "0 participant or 1 host")->required()->check(CLI::IsMember({"0", "1"}));
    m_sig->add_option("--ttl", m_ttl, "Lifetime: 30m to 48h (default 2h)")->type_name("DURATION");
  }

  std::optional<int> run(Context& ctx) override
  {
    if (!m_sig->parsed()) {
      return std::nullopt;
    }
    auto ttl = signature::k_default_ttl;
    if (!m_ttl.empty()) {
      const auto parsed = parse_duration(m_ttl);
      if (!parsed) {
        throw Fatal(
            make_error(ErrorKind::invalid_input, fmt::format("--ttl: '{}' is not a duration (e.g. 30m, 2h)", m_ttl)));
      }
      ttl = *parsed;
    }
    const auto role = signature::parse_role(m_role).value_or(signature::SdkRole::participant);
    if (auto ok = signature::check_ttl(ttl); !ok) {
      throw Fatal(make_error(ErrorKind::invalid_input, "--ttl: " + ok.error().message));
    }
    if (auto mn = signature::normalize_meeting_number(m_meeting); !mn) {
      throw Fatal(make_error(ErrorKind::invalid_input, "--meeting: " + mn.error().message));
    }
    ctx.require(config::Need::sdk);
    const auto sig = need(services::operator_signature(ctx.config(), m_meeting, role, ttl, now()));
    if (ctx.json()) {
      print_json({{"signature", sig.jwt},
                  {"sdkKey", ctx.config().sdk_key},
                  {"meetingNumber", sig.meeting_number},
                  {"role", static_cast<int>(sig.role)},
                  {"issuedAt", format_iso8601(sig.issued_at)},
                  {"expiresAt", format_iso8601(sig.expires_at)}});
    } else {
      std::cout << sig.jwt << '\n';
      if (!ctx.quiet()) {
        std::cerr << fmt::format("meeting {} role {} valid until {}\n", sig.meeting_number, static_cast<int>(sig.role),
                                 format_iso8601(sig.expires_at));
      }
    }
    return exit_code::ok;
  }

private:
  CLI::App* m_sig = nullptr;
  std::string m_meeting;
  std::string m_role;
  std::string m_ttl;
};

} // namespace

std::unique_ptr<Group> make_signature_group()
{
  return std::make_unique<SignatureGroup>();
}

} // namespace zc::cli
