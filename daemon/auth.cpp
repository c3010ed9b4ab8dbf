#include "daemon/auth.hpp"

#include "core/crypto.hpp"

#include <algorithm>

namespace zc::daemon {

namespace {

constexpr std::size_t k_max_actor = 64;

// X-Actor is free text from the platform: keep printable ASCII only, bounded.
std::string clean_actor(const std::string& raw)
{
  std::string out;
  for (const char c : raw) {
    if (c > ' ' && c < 0x7f && out.size() < k_max_actor) {
      out.push_back(c);
    }
  }
  return out;
}

} // namespace

std::optional<Principal> authorize_platform(const App& app, const httplib::Request& req, httplib::Response& res)
{
  if (feature_off(res, app.cfg().api_token, "ZOOMCTL_API_TOKEN")) {
    return std::nullopt;
  }
  const auto token = bearer_token(req);
  if (token.empty() || !crypto::constant_time_equal(token, app.cfg().api_token)) {
    res.set_header("WWW-Authenticate", "Bearer");
    send_error(res, 401, "authentication required: send Authorization: Bearer <token>");
    return std::nullopt;
  }
  Principal p{"api"};
  if (const auto name = clean_actor(req.get_header_value("X-Actor")); !name.empty()) {
    p.actor += ":" + name;
  }
  return p;
}

std::optional<Principal> authorize_session(const App& app, const httplib::Request& req, httplib::Response& res,
                                           std::int64_t /*session_id*/)
{
  return authorize_platform(app, req, res);
}

} // namespace zc::daemon
