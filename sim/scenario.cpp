#include "scenario.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>

namespace zs {

std::optional<std::int64_t> parse_offset(const Json& j)
{
  if (j.is_number_integer()) {
    return j.get<std::int64_t>();
  }
  if (!j.is_string()) {
    return std::nullopt;
  }
  static const std::regex re(R"(^\s*([+-]?)(\d{1,9})\s*([smh]?)\s*$)");
  std::smatch m;
  std::string s = j.get<std::string>();
  if (!std::regex_match(s, m, re)) {
    return std::nullopt;
  }
  std::int64_t v = std::stoll(m[2].str());
  if (m[3] == "m") {
    v *= 60;
  } else if (m[3] == "h") {
    v *= 3600;
  }
  return m[1] == "-" ? -v : v;
}

std::variant<Scenario, std::string> parse_scenario(const Json& j)
{
  if (!j.is_object()) {
    return std::string("scenario must be a JSON object");
  }
  Scenario s;
  s.name = j.value("name", std::string("scenario"));
  if (j.contains("meeting")) {
    const Json& m = j["meeting"];
    if (!m.is_object()) {
      return std::string("meeting must be an object");
    }
    if (m.contains("id")) {
      if (m["id"].is_number_integer()) {
        s.meeting_id = m["id"].get<std::int64_t>();
      } else if (m["id"].is_string() && !m["id"].get<std::string>().empty()) {
        try {
          s.meeting_id = std::stoll(m["id"].get<std::string>());
        } catch (const std::exception&) {
          return std::string("meeting.id must be a meeting number");
        }
      } else {
        return std::string("meeting.id must be a meeting number");
      }
    }
    s.topic = m.value("topic", s.topic);
    s.host_email = m.value("host_email", s.host_email);
    if (m.contains("duration")) {
      if (!m["duration"].is_number_integer() || m["duration"].get<int>() <= 0) {
        return std::string("meeting.duration must be a positive number of minutes");
      }
      s.duration_min = m["duration"].get<int>();
    }
    s.type = m.value("type", 2);
    if (m.contains("start_time")) {
      if (!m["start_time"].is_string()) {
        return std::string("meeting.start_time must be \"now\", \"scheduled\" or an ISO 8601 time");
      }
      s.start_time = m["start_time"].get<std::string>();
      if (s.start_time == "now") {
        s.start_time.clear();
      }
      if (!s.start_time.empty() && s.start_time != "scheduled" && !zc::parse_iso8601(s.start_time)) {
        return std::string("meeting.start_time must be \"now\", \"scheduled\" or an ISO 8601 time");
      }
    }
    s.end_offset = static_cast<std::int64_t>(s.duration_min) * 60;
    if (m.contains("end")) {
      auto e = parse_offset(m["end"]);
      if (!e || *e <= 0) {
        return std::string("meeting.end must be a positive offset such as \"+3600s\"");
      }
      s.end_offset = *e;
    }
  }
  s.late_leaves = j.value("late_leaves", false);
  if (j.contains("speed")) {
    if (!j["speed"].is_number() || j["speed"].get<double>() <= 0.0) {
      return std::string("speed must be a positive number");
    }
    s.speed = j["speed"].get<double>();
  }
  s.faults = j.value("faults", Json::object());
  s.delivery = j.value("delivery", Json::object());
  s.expected = j.value("expected", Json());
  if (!j.contains("people") || !j["people"].is_array()) {
    return std::string("people must be an array");
  }
  std::size_t pi = 0;
  for (const Json& p : j["people"]) {
    std::string where = "people[" + std::to_string(pi++) + "]";
    if (!p.is_object()) {
      return where + " must be an object";
    }
    ScenarioPerson person;
    person.name = p.value("name", std::string{});
    person.email = p.value("email", std::string{});
    person.customer_key = p.value("customer_key", std::string{});
    person.zoom_user_id = p.value("zoom_user_id", std::string{});
    person.host = p.value("host", false) || p.value("role", std::string{}) == "host" ||
                  p.value("role", std::string{}) == "instructor";
    if (person.name.empty()) {
      return where + ".name is required";
    }
    if (p.contains("sessions")) {
      if (!p["sessions"].is_array()) {
        return where + ".sessions must be an array";
      }
      std::size_t si = 0;
      for (const Json& sj : p["sessions"]) {
        std::string swhere = where + ".sessions[" + std::to_string(si++) + "]";
        if (!sj.is_object()) {
          return swhere + " must be an object";
        }
        ScenarioSession sess;
        auto join = sj.contains("join") ? parse_offset(sj["join"]) : std::nullopt;
        if (!join || *join < 0) {
          return swhere + ".join must be an offset >= 0 such as \"+90s\"";
        }
        sess.join = *join;
        if (sj.contains("leave") && !sj["leave"].is_null()) {
          auto leave = parse_offset(sj["leave"]);
          if (!leave || *leave < sess.join) {
            return swhere + ".leave must be an offset not before join";
          }
          sess.leave = *leave;
        }
        sess.device = sj.value("device", std::string{});
        person.sessions.push_back(sess);
      }
    }
    s.people.push_back(std::move(person));
  }
  return s;
}

OJson compute_expected(const Scenario& s)
{
  OJson people = OJson::array();
  for (const ScenarioPerson& p : s.people) {
    std::vector<std::pair<std::int64_t, std::int64_t>> iv;
    for (const ScenarioSession& sess : p.sessions) {
      std::int64_t a = std::max<std::int64_t>(0, sess.join);
      std::int64_t b = std::min(sess.leave.value_or(s.end_offset), s.end_offset);
      if (b > a) {
        iv.emplace_back(a, b);
      }
    }
    std::sort(iv.begin(), iv.end());
    std::int64_t total = 0;
    std::int64_t cur_a = -1;
    std::int64_t cur_b = -1;
    for (auto [a, b] : iv) {
      if (cur_b < a) {
        total += cur_b - cur_a;
        cur_a = a;
        cur_b = b;
      } else {
        cur_b = std::max(cur_b, b);
      }
    }
    total += cur_b - cur_a;
    OJson j = OJson::object();
    j["name"] = p.name;
    j["email"] = p.email;
    j["customer_key"] = p.customer_key;
    j["seconds"] = total;
    j["percent"] = std::round(static_cast<double>(total) * 10000.0 / static_cast<double>(s.end_offset)) / 100.0;
    people.push_back(std::move(j));
  }
  OJson out = OJson::object();
  out["meeting_seconds"] = s.end_offset;
  out["people"] = std::move(people);
  return out;
}

ScenarioRunner::ScenarioRunner(State& state, Faults& faults, WebhookSender& sender, const Options& options)
    : m_state(state), m_faults(faults), m_sender(sender), m_options(options)
{
  m_status = OJson::object();
  m_status["state"] = "idle";
}

ScenarioRunner::~ScenarioRunner()
{
  stop();
}

void ScenarioRunner::stop()
{
  std::lock_guard start_lock(m_start_mutex);
  stop_locked();
}

void ScenarioRunner::stop_locked()
{
  {
    std::lock_guard lock(m_mutex);
    m_cancel = true;
    if (m_status.value("state", std::string{}) == "running") {
      m_status["state"] = "cancelled";
    }
  }
  m_cv.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

OJson ScenarioRunner::status()
{
  std::lock_guard lock(m_mutex);
  return m_status;
}

Reply ScenarioRunner::start(const Json& body)
{
  std::variant<Scenario, std::string> parsed;
  try {
    parsed = parse_scenario(body);
  } catch (const Json::exception& e) {
    // A field of the wrong JSON type (e.g. a number where a name belongs).
    return zoom_error(400, 300, std::string("Invalid scenario: ") + e.what());
  }
  if (auto* err = std::get_if<std::string>(&parsed)) {
    return zoom_error(400, 300, "Invalid scenario: " + *err);
  }
  Scenario sc = std::get<Scenario>(std::move(parsed));
  if (body.contains("meeting_id")) {
    std::optional<std::int64_t> id;
    const Json& mj = body["meeting_id"];
    if (mj.is_number_integer()) {
      id = mj.get<std::int64_t>();
    } else if (mj.is_string() && !mj.get<std::string>().empty() && mj.get<std::string>().size() <= 18 &&
               mj.get<std::string>().find_first_not_of("0123456789") == std::string::npos) {
      id = std::stoll(mj.get<std::string>());
    }
    if (!id || *id <= 0) {
      return zoom_error(400, 300, "Invalid scenario: meeting_id must be a meeting number");
    }
    sc.meeting_id = *id;
  }
  double speed = sc.speed.value_or(m_options.speed);
  FaultConfig probe;
  if (std::string err = apply_fault_json(probe, sc.faults); !err.empty()) {
    return zoom_error(400, 300, "Invalid scenario: faults: " + err);
  }
  std::lock_guard start_lock(m_start_mutex);
  stop_locked(); // one replay at a time

  std::int64_t meeting_id = 0;
  Seconds t0 = zc::now();
  if (sc.meeting_id) {
    auto host = m_state.meeting_host(*sc.meeting_id);
    if (!host) {
      return meeting_not_found(std::to_string(*sc.meeting_id));
    }
    meeting_id = *sc.meeting_id;
    if (sc.start_time == "scheduled") {
      t0 = host->second;
    }
  } else {
    if (sc.start_time == "scheduled") {
      sc.start_time.clear();
    }
    auto made = m_state.ensure_meeting(sc.host_email, sc.topic, sc.duration_min, t0, sc.type);
    if (auto* r = std::get_if<Reply>(&made)) {
      return *r;
    }
    meeting_id = std::get<std::int64_t>(made);
  }
  if (!sc.start_time.empty() && sc.start_time != "scheduled") {
    t0 = *zc::parse_iso8601(sc.start_time);
  }
  auto host = m_state.meeting_host(meeting_id);
  for (auto& p : sc.people) {
    if (p.host && p.zoom_user_id.empty() && host) {
      p.zoom_user_id = host->first;
    }
  }
  if (!sc.faults.empty()) {
    m_faults.apply(sc.faults);
  }
  if (!sc.delivery.empty()) {
    if (std::string err = m_sender.apply_config(sc.delivery); !err.empty()) {
      return zoom_error(400, 300, "Invalid scenario: delivery: " + err);
    }
  }

  std::vector<Step> steps;
  for (std::size_t pi = 0; pi < sc.people.size(); ++pi) {
    for (std::size_t si = 0; si < sc.people[pi].sessions.size(); ++si) {
      const ScenarioSession& s = sc.people[pi].sessions[si];
      if (s.join >= sc.end_offset) {
        continue; // would join after the meeting ended
      }
      steps.push_back(Step{s.join, 1, Step::Kind::join, pi, si});
      if (s.leave && (*s.leave <= sc.end_offset || sc.late_leaves)) {
        // A leave at the end itself is sent as the person's own leave, before meeting.ended.
        steps.push_back(Step{*s.leave, 0, Step::Kind::leave, pi, si});
      }
    }
  }
  steps.push_back(Step{sc.end_offset, 2, Step::Kind::end, 0, 0});
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
    return a.offset != b.offset ? a.offset < b.offset : a.order < b.order;
  });

  Reply started = m_state.start_meeting(meeting_id, t0);
  if (started.status != 200) {
    return started;
  }
  OJson expected = compute_expected(sc);
  OJson reply = OJson::object();
  std::uint64_t replay_id = 0;
  {
    std::lock_guard lock(m_mutex);
    replay_id = ++m_replay_id;
    m_cancel = false;
    m_status = OJson::object();
    m_status["state"] = "running";
    m_status["replay_id"] = replay_id;
    m_status["name"] = sc.name;
    m_status["meeting_id"] = meeting_id;
    m_status["uuid"] = started.body["uuid"];
    m_status["start_time"] = iso(t0);
    m_status["end_time"] = iso(t0 + std::chrono::seconds(sc.end_offset));
    m_status["speed"] = speed;
    m_status["steps_total"] = steps.size();
    m_status["steps_done"] = 0;
    m_status["errors"] = OJson::array();
    reply = m_status;
  }
  reply["expected"] = expected;
  if (!sc.expected.is_null()) {
    // Seconds are compared; percentages are derived from them and rounded.
    bool same = sc.expected.is_object() &&
                sc.expected.value("meeting_seconds", Json()).dump() == expected["meeting_seconds"].dump() &&
                sc.expected.contains("people") && sc.expected["people"].is_array() &&
                sc.expected["people"].size() == expected["people"].size();
    for (std::size_t i = 0; same && i < expected["people"].size(); ++i) {
      const Json& f = sc.expected["people"][i];
      same = f.is_object() && f.value("seconds", Json()).dump() == expected["people"][i]["seconds"].dump() &&
             f.value("email", std::string{}) == expected["people"][i]["email"].get<std::string>();
    }
    reply["expected_matches_file"] = same;
  }
  m_thread = std::thread([this, sc = std::move(sc), steps = std::move(steps), meeting_id, t0, speed, replay_id] {
    run(sc, steps, meeting_id, t0, speed, replay_id);
  });
  return ok(std::move(reply));
}

void ScenarioRunner::run(Scenario sc, const std::vector<Step>& steps, std::int64_t meeting_id, Seconds t0, double speed,
                         std::uint64_t replay_id)
{
  auto real_start = std::chrono::steady_clock::now();
  std::map<std::pair<std::size_t, std::size_t>, std::string> participant_of;
  for (const Step& step : steps) {
    auto due = real_start +
               std::chrono::microseconds(static_cast<std::int64_t>(static_cast<double>(step.offset) * 1e6 / speed));
    {
      std::unique_lock lock(m_mutex);
      if (m_cv.wait_until(lock, due, [this] { return m_cancel; })) {
        return;
      }
    }
    Seconds at = t0 + std::chrono::seconds(step.offset);
    Reply r;
    if (step.kind == Step::Kind::join) {
      const ScenarioPerson& p = sc.people[step.person];
      Json body = Json::object();
      body["name"] = p.name;
      body["email"] = p.email;
      body["customer_key"] = p.customer_key;
      body["zoom_user_id"] = p.zoom_user_id;
      body["at"] = iso(at);
      r = m_state.join(meeting_id, body);
      if (r.status == 200) {
        participant_of[{step.person, step.session}] = r.body["participant_uuid"].get<std::string>();
      }
    } else if (step.kind == Step::Kind::leave) {
      auto it = participant_of.find({step.person, step.session});
      if (it == participant_of.end()) {
        continue;
      }
      r = m_state.leave(meeting_id, it->second, at, "");
    } else {
      r = m_state.end_meeting(meeting_id, at, sc.late_leaves ? OpenParticipants::keep : OpenParticipants::close);
    }
    std::lock_guard lock(m_mutex);
    if (m_replay_id != replay_id) {
      return;
    }
    m_status["steps_done"] = m_status["steps_done"].get<int>() + 1;
    if (r.status != 200) {
      m_status["errors"].push_back(dump_compact(r.body));
    }
  }
  std::lock_guard lock(m_mutex);
  if (m_replay_id == replay_id) {
    m_status["state"] = "done";
  }
}

} // namespace zs
