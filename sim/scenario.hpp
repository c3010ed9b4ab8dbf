#pragma once
// Scenario replay: a JSON description of a class (meeting, people with their
// join/leave sessions, faults, delivery options, expected attendance) played
// against the emulator at a chosen speed. Event times are scenario times
// (meeting start + offset), so durations are exact whatever the speed.

#include "common.hpp"
#include "faults.hpp"
#include "state.hpp"
#include "webhooks.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <variant>

namespace zs {

/// One join/leave cycle of a person, as offsets in seconds from the meeting start.
struct ScenarioSession {
  std::int64_t join = 0;
  std::optional<std::int64_t> leave; ///< none: still there at the end
  std::string device;
};

/// A person of the class.
struct ScenarioPerson {
  std::string name;
  std::string email;
  std::string customer_key;
  std::string zoom_user_id;
  bool host = false;
  std::vector<ScenarioSession> sessions;
};

/// A parsed scenario file.
struct Scenario {
  std::string name;
  std::optional<std::int64_t> meeting_id;
  std::string topic = "Scenario class";
  std::string host_email = "host@zoomsim.invalid";
  int duration_min = 60;
  int type = 2;
  std::string start_time; ///< "" = now, "scheduled" = the meeting's start_time, or ISO 8601
  std::int64_t end_offset = 3600;
  bool late_leaves = false;
  std::optional<double> speed;
  Json faults;
  Json delivery;
  std::vector<ScenarioPerson> people;
  Json expected;
};

/// Parses an offset such as `+90s`, `+15m`, `+1h`, `3600` or `"+0s"` into seconds.
std::optional<std::int64_t> parse_offset(const Json& j);

/// Parses and checks a scenario; the error names the field.
std::variant<Scenario, std::string> parse_scenario(const Json& j);

/// Expected attendance: per person the union of their sessions clipped to
/// [0, end], in seconds, and as a percentage of the meeting.
OJson compute_expected(const Scenario& s);

class ScenarioRunner
{
public:
  ScenarioRunner(State& state, Faults& faults, WebhookSender& sender, const Options& options);
  ~ScenarioRunner();
  ScenarioRunner(const ScenarioRunner&) = delete;
  ScenarioRunner& operator=(const ScenarioRunner&) = delete;

  /// Starts replaying `body` (a scenario; `meeting_id` and `speed` keys
  /// override the file's); answers at once with the plan and expected values.
  Reply start(const Json& body);
  /// Progress of the current or last replay.
  OJson status();
  /// Cancels a running replay and waits for its thread.
  void stop();

private:
  struct Step {
    std::int64_t offset = 0;
    int order = 0; ///< leave before join before end at one offset
    enum class Kind { join, leave, end } kind = Kind::join;
    std::size_t person = 0;
    std::size_t session = 0;
  };
  void stop_locked();
  void run(Scenario sc, const std::vector<Step>& steps, std::int64_t meeting_id, Seconds t0, double speed,
           std::uint64_t replay_id);

  State& m_state;
  Faults& m_faults;
  WebhookSender& m_sender;
  const Options& m_options;
  std::mutex m_start_mutex; ///< one start or stop at a time
  std::mutex m_mutex;       ///< guards the status and the cancel flag
  std::condition_variable m_cv;
  std::thread m_thread;
  bool m_cancel = false;
  std::uint64_t m_replay_id = 0;
  OJson m_status;
};

} // namespace zs
