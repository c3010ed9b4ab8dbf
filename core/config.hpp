#pragma once
// Configuration: the environment, optionally completed from a dotenv-style file
// (the environment wins), validated with every problem listed at once.

#include "core/util/expected.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace zc::config {

/// Variable name -> value, as read from the process environment and/or an env file.
using Environment = std::map<std::string, std::string>;

/// The variables of the process environment that zoomctl reads (ZOOM_*, ZOOMCTL*, XDG_DATA_HOME, HOME).
Environment process_environment();

/// Reads a dotenv-style file at `path`: `KEY=VALUE` lines, optional `export `,
/// `#` comments, single or double quotes. `warnings` receives a note when the
/// file holds secrets and others can read it.
Expected<Environment> read_env_file(const std::string& path, std::vector<std::string>& warnings);

/// `file` overlaid by `env` (the environment wins).
Environment merge(const Environment& file, const Environment& env);

/// What a command needs from the configuration; combine with `|`.
enum class Need : std::uint32_t {
  none = 0,
  zoom_api = 1U << 0U,  ///< ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET
  sdk = 1U << 1U,       ///< ZOOM_SDK_KEY, ZOOM_SDK_SECRET
  webhook = 1U << 2U,   ///< ZOOM_WEBHOOK_SECRET_TOKEN
  api_token = 1U << 3U, ///< ZOOMCTL_API_TOKEN
  links = 1U << 4U,     ///< ZOOMCTL_LINK_SECRET
};
constexpr Need operator|(Need a, Need b)
{
  return static_cast<Need>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}
constexpr bool has(Need set, Need n)
{
  return (static_cast<std::uint32_t>(set) & static_cast<std::uint32_t>(n)) != 0;
}

/// Validated settings. Empty strings mean "not set".
struct Config {
  std::string account_id;
  std::string client_id;
  std::string client_secret;
  std::string sdk_key;
  std::string sdk_secret;
  std::string webhook_secret;
  std::string api_url = "https://api.zoom.us/v2"; ///< REST base URL
  bool api_url_explicit = false;                  ///< ZOOM_API_URL was set, so it wins over the token's api_url
  std::string oauth_url = "https://zoom.us/oauth/token";
  std::string db_path; ///< resolved database path (ZOOMCTL_DB or the XDG default)
  std::string api_token;
  std::string link_secret;
  std::string public_url = "http://127.0.0.1:3000";
  std::string listen = "127.0.0.1:3000";
  int threads = 64; ///< zoomctld request threads (each keep-alive connection holds one while open)
  int attendance_threshold = 75;

  /// Whether the Server-to-Server OAuth credentials (ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID,
  /// ZOOM_CLIENT_SECRET) are all set, so that Zoom's API can be called.
  [[nodiscard]] bool has_zoom_api() const
  {
    return !account_id.empty() && !client_id.empty() && !client_secret.empty();
  }
};

/// The state of one variable after validation.
enum class VarState { ok, missing, malformed, defaulted };

/// One variable's report line for `zoomctl config check`.
struct VarReport {
  std::string name;
  VarState state = VarState::missing;
  bool required = false; ///< one of the six ZOOM_* variables `config check` insists on
  bool secret = false;   ///< the value is never shown
  std::string shown;     ///< the value as it may be displayed (masked for secrets)
  std::string detail;    ///< why it is malformed, or which feature it switches off when missing
};

/// Result of loading: the settings plus a line for every known variable.
struct Loaded {
  Config config;
  std::vector<VarReport> report;
};

/// Parses and validates every known variable in `env`; never fails, the report says what is wrong.
Loaded load(const Environment& env);

/// Checks that what `need` asks for is set and that nothing set is malformed;
/// the error lists every problem, one per line.
Expected<void> validate(const Loaded& loaded, Need need);

/// The string form of `state` ("ok", "missing", "malformed", "default").
const char* to_string(VarState state);

/// The default database path for `env` ($XDG_DATA_HOME/zoomctl/zoomctl.db, else ~/.local/share/...).
std::string default_db_path(const Environment& env);

} // namespace zc::config
