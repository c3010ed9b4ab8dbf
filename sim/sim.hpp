#pragma once
// One emulator: its options and the parts the HTTP routes drive.

#include "faults.hpp"
#include "options.hpp"
#include "scenario.hpp"
#include "state.hpp"
#include "webhooks.hpp"

namespace httplib {
class Server;
}

namespace zs {

/// The emulator: configuration, account state, faults, webhook sender, scenario replay.
struct Sim {
  explicit Sim(Options opts)
      : options(std::move(opts)), sender(options),
        state(options, [this](const std::string& event, OJson object,
                              std::int64_t ts) { sender.emit(event, std::move(object), ts); }),
        faults(options.faults, options.seed + 1), scenario(state, faults, sender, options)
  {}

  /// Puts everything back to the start-up configuration.
  void reset();

  Options options;
  WebhookSender sender;
  State state;
  Faults faults;
  ScenarioRunner scenario;
};

/// Registers `/oauth/token` and the `/v2` REST routes, with auth, faults and Zoom's headers.
void install_zoom_routes(httplib::Server& server, Sim& sim);

/// Registers the `/sim` control and inspection routes.
void install_control_routes(httplib::Server& server, Sim& sim);

/// Registers the request log, common headers and error bodies for every route.
void install_common_handlers(httplib::Server& server, Sim& sim);

} // namespace zs
