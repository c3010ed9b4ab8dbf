#pragma once
// Who may call the daemon's JSON API. One place decides, so that new kinds of
// credentials (the access-link tokens of a session's instructor) are added here
// and every route that asks gets them.

#include "daemon/app.hpp"

#include <cstdint>
#include <httplib.h>
#include <optional>
#include <string>

namespace zc::daemon {

/// Who a request acts as, for the audit log.
struct Principal {
  std::string actor; ///< "api", or "api:NAME" when the platform names its user in X-Actor
};

/// Accepts `req` when it carries `Authorization: Bearer ZOOMCTL_API_TOKEN`
/// (compared in constant time). Otherwise answers `res` (503 naming the variable
/// when it is not set, 401 without saying more when the token is missing or
/// wrong) and returns nothing.
std::optional<Principal> authorize_platform(const App& app, const httplib::Request& req, httplib::Response& res);

/// Accepts `req` for reading and changing the attendance of session
/// `session_id`: the platform token (`authorize_platform`, actor "api[:NAME]") or an
/// access-link token of the session's instructor (actor: their email; 401 when the
/// token is bad, 403 for anyone else, 404 for an unknown session). Answers `res` and
/// returns nothing when refused.
std::optional<Principal> authorize_session(const App& app, const httplib::Request& req, httplib::Response& res,
                                           std::int64_t session_id);

} // namespace zc::daemon
