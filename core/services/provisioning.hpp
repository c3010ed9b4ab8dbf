#pragma once
// Provisioning (US-004): instructors get a Zoom user. A new user is created with
// action "create" and type 1 (Basic): Zoom mails an invitation and the user stays
// "pending" until it is accepted; a license is a separate step (licensing.hpp).
// A user Zoom already has (codes 1005/1009 or HTTP 409) is adopted: looked up by
// email and its id stored. Only instructors get Zoom users.

#include "core/db.hpp"
#include "core/services/directory.hpp"
#include "core/util/expected.hpp"
#include "core/zoom/client.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace zc::services {

/// What provisioning did for one person.
enum class ProvisionOutcome { created, adopted, already, failed };

/// "created", "adopted", "already" or "failed".
std::string_view to_string(ProvisionOutcome o);

/// The result for one person: the user as stored afterwards and, when failed, why.
struct ProvisionResult {
  User user;
  ProvisionOutcome outcome = ProvisionOutcome::failed;
  std::string reason; ///< the error message when failed; "pending activation" notes otherwise
};

/// The JSON form of `r` (the user, outcome, zoom_status, pending flag and reason).
nlohmann::json to_json(const ProvisionResult& r);

/// Gives the instructor with email or id `user_key` a Zoom user (created or adopted)
/// and stores its id, status and type on the user row with an audit entry. A person
/// who already has a zoom_user_id is reported "already" without a Zoom call. Refuses
/// (conflict) anyone who is not an instructor, before any Zoom call.
Expected<ProvisionResult> provision(db::Database& db, zoom::ZoomClient& zoom, std::string_view user_key,
                                    std::string_view actor);

/// `provision` for `user` when it has no Zoom user yet; used by scheduling.
Expected<User> ensure_provisioned(db::Database& db, zoom::ZoomClient& zoom, const User& user, std::string_view actor);

/// Provisions every instructor in turn; a failure is recorded and the rest go on.
/// `on_each` is called after each person (progress display).
std::vector<ProvisionResult> provision_all_instructors(db::Database& db, zoom::ZoomClient& zoom, std::string_view actor,
                                                       const std::function<void(std::size_t total)>& on_each = {});

} // namespace zc::services
