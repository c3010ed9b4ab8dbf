#include "daemon/auth.hpp"

#include "core/crypto.hpp"
#include "core/services/join_service.hpp"
#include "core/util/time.hpp"

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
                                           std::int64_t session_id)
{
  // An access-link token (payload.mac) of the session's instructor is accepted too;
  // the platform token is tried first so that it keeps working whatever it looks like.
  const auto token = bearer_token(req);
  const bool platform = !app.cfg().api_token.empty() && crypto::constant_time_equal(token, app.cfg().api_token);
  if (platform || app.cfg().link_secret.empty() || token.find('.') == std::string::npos) {
    return authorize_platform(app, req, res);
  }
  auto viewer = services::authenticate(app.db(), app.cfg().link_secret, token, now());
  if (!viewer) {
    res.set_header("WWW-Authenticate", "Bearer");
    send_json(res, 401, {{"error", viewer.error().message}, {"action", "ask for a new link"}});
    return std::nullopt;
  }
  if (session_id > 0) { // an unreadable id is answered 400 by the route
    if (auto ok = services::check_instructor_of(app.db(), *viewer, session_id); !ok) {
      send_error(res, ok.error());
      return std::nullopt;
    }
  }
  return Principal{viewer->user.email};
}

} // namespace zc::daemon
