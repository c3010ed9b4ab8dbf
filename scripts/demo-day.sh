# A training day, sourced by scripts/demo.sh once zoomsim and zoomctld are up
# ($zoomctl, $work, $sim_port, $daemon_port and step() come from there).

sim_url="http://127.0.0.1:$sim_port"
step "people and a cohort"
"$zoomctl" -q user add ina.instructor@example.com --name "Ina Instructor" --role instructor
"$zoomctl" -q user add omar.instructor@example.com --name "Omar Haddad" --role instructor
learners=(lea sam "نور" kai mia zoe)
names=("Lea Martin" "Sam Okafor" "نور الهدى" "Kai Tanaka" "Mia Rossi" "Zoe Weber")
emails=()
for i in "${!learners[@]}"; do
  email="learner$((i + 1))@example.com"
  emails+=("$email")
  "$zoomctl" -q user add "$email" --name "${names[$i]}" --role learner
done
"$zoomctl" -q cohort add "Data Science 2026"
"$zoomctl" cohort enroll "Data Science 2026" "${emails[@]}"

step "provision instructors as Zoom users"
"$zoomctl" user provision --all-instructors

step "assign Pro licenses (the emulated account has one left: the second is refused)"
"$zoomctl" license assign ina.instructor@example.com
if ! "$zoomctl" license assign omar.instructor@example.com; then
  echo "(expected: the account's license limit, reported above; nothing changed locally)"
fi

step "schedule sessions"
start=$(date -u -d "+20 minutes" +%Y-%m-%dT%H:%M:00Z)
later=$(date -u -d "+2 days" +%Y-%m-%dT%H:00:00Z)
session_json=$("$zoomctl" --json session schedule --cohort "Data Science 2026" --instructor ina.instructor@example.com \
  --start "$start" --duration 60 --topic "Intro to statistics")
session_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])' <<<"$session_json")
meeting_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["zoom_meeting_id"])' <<<"$session_json")
"$zoomctl" -q session schedule --cohort "Data Science 2026" --instructor ina.instructor@example.com \
  --start "$later" --duration 90 --topic "Regression, hands on"
"$zoomctl" session list

step "the class: learners join and leave, zoomsim sends Zoom's webhooks to zoomctld"
learners_json=$("$zoomctl" --json user list --role learner)
python3 scripts/demo_class.py "$sim_url" "$meeting_id" "$start" "$learners_json"

step "attendance report"
"$zoomctl" attendance report "$session_id"

step "export CSV"
"$zoomctl" attendance export "$session_id" -o "$work/attendance.csv"
echo "written: $work/attendance.csv"
head -3 "$work/attendance.csv"

step "instructor override: learner6 attended by phone"
"$zoomctl" attendance override "$session_id" learner6@example.com --present --reason "Joined by phone, confirmed"
"$zoomctl" attendance report "$session_id" | tail -4

step "access links to the pages"
if "$zoomctl" commands | grep -q '^link$'; then
  echo "instructor: $("$zoomctl" link ina.instructor@example.com)"
  echo "learner:    $("$zoomctl" link learner1@example.com)"
  echo "attendance: $("$zoomctl" link ina.instructor@example.com --session "$session_id" --page attendance 2>/dev/null ||
    "$zoomctl" link ina.instructor@example.com --session "$session_id")"

  step "a leaked link is revoked"
  leaked=$("$zoomctl" link learner2@example.com 2>/dev/null)
  token=${leaked#*token=}
  me() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$daemon_port/api/me"; }
  echo "learner2's link before: GET /api/me -> $(me)"
  "$zoomctl" link learner2@example.com --revoke
  echo "the same link after:    GET /api/me -> $(me) (a new link works: zoomctl link learner2@example.com)"
fi
