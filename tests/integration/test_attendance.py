"""Attendance front ends (US-017, US-018) end to end: `zoomctl attendance
report | export | override | reconcile` and the daemon's
GET /api/sessions/{id}/attendance[.csv] and POST /api/sessions/{id}/attendance/{user_id},
on a meeting scheduled with `zoomctl session schedule`, driven through zoomsim
and delivered to the real zoomctld."""
import csv
import io
import json
import os
import stat
import subprocess
import unittest

from harness import ZOOMCTL, http
from test_webhooks import ClassRoom

API_TOKEN = "platformApiToken0123456789"
ARABIC = "ليلى أحمد"
FORMULA = '=HYPERLINK("http://evil.example","x")'


class SmallClass(ClassRoom):
    """Instructor, three learners (one Arabic name, one formula-looking name, one who never joins) and a
    guest; the meeting runs 10:00-11:00 in zoomsim and every event reaches zoomctld."""

    def setUp(self):
        super().setUp()
        self.env["ZOOMCTL_API_TOKEN"] = API_TOKEN
        self.start_pair(["--speed", "600"])
        self.people = [
            {"name": "Ines Instructor", "email": "instructor@example.com", "role": "instructor"},
            {"name": ARABIC, "email": "layla@example.com"},
            {"name": FORMULA, "email": "mallory@example.com"},
            {"name": "Nadia Never", "email": "nadia@example.com"},
        ]
        self.ids = self.add_people(self.people)
        self.session, self.meeting = self.schedule_session("instructor@example.com")
        mid = self.meeting["id"]
        self.sim("POST", f"/sim/meetings/{mid}/start", {"at": "2026-12-01T10:00:00Z"}, expect=200)

        def join(name, email, at, key=""):
            return self.sim("POST", f"/sim/meetings/{mid}/join",
                            {"name": name, "email": email, "customer_key": key, "at": at}, expect=200)

        def leave(j, at):
            self.sim("POST", f"/sim/meetings/{mid}/leave", {"participant_uuid": j["participant_uuid"], "at": at},
                     expect=200)

        join("Ines Instructor", "instructor@example.com", "2026-12-01T10:00:00Z")
        a = join(ARABIC, "", "2026-12-01T10:02:00Z", key=str(self.ids["layla@example.com"]))
        leave(a, "2026-12-01T10:20:00Z")
        join(ARABIC, "", "2026-12-01T10:25:00Z", key=str(self.ids["layla@example.com"]))  # in until the end
        m = join(FORMULA, "MALLORY@example.com", "2026-12-01T10:10:00Z")
        leave(m, "2026-12-01T10:40:00Z")
        g = join("Gus Guest", "gus@elsewhere.example", "2026-12-01T10:30:00Z")
        leave(g, "2026-12-01T10:45:00Z")
        self.sim("POST", f"/sim/meetings/{mid}/end", {"at": "2026-12-01T11:00:00Z"}, expect=200)
        self.wait_drained()

    def person(self, report, email):
        return next(p for p in report["people"] if p["email"] == email)

    def api(self, method, path, body=None, token=API_TOKEN, headers=None):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        return http(method, self.daemon_url + path, body, h)


class Report(SmallClass):
    def test_report_lists_everyone_with_durations_and_total(self):
        r = self.report()
        self.assertEqual(r["session_id"], self.session)
        self.assertEqual(r["meeting_start"], "2026-12-01T10:00:00Z")
        self.assertEqual(r["meeting_end"], "2026-12-01T11:00:00Z")
        self.assertEqual(r["meeting_seconds"], 3600)
        layla = self.person(r, "layla@example.com")
        self.assertEqual((layla["name"], layla["kind"], layla["cycles"]), (ARABIC, "learner", 2))
        self.assertEqual(layla["duration_seconds"], 18 * 60 + 35 * 60)
        self.assertEqual(layla["first_join"], "2026-12-01T10:02:00Z")
        self.assertEqual(layla["last_leave"], "2026-12-01T11:00:00Z")
        self.assertAlmostEqual(layla["percent"], 88.33, places=2)
        self.assertTrue(layla["present"])
        self.assertIsNone(layla["override"])
        mallory = self.person(r, "mallory@example.com")
        self.assertEqual(mallory["duration_seconds"], 1800)
        self.assertFalse(mallory["present"])
        nadia = self.person(r, "nadia@example.com")
        self.assertEqual((nadia["duration_seconds"], nadia["first_join"], nadia["present"]), (0, None, False))
        gus = self.person(r, "gus@elsewhere.example")
        self.assertEqual((gus["kind"], gus["user_id"], gus["duration_seconds"]), ("guest", None, 900))
        self.assertEqual((r["enrolled"], r["present"], r["guests"]), (3, 1, 2))
        self.assertAlmostEqual(r["attendance_percent"], 33.33, places=2)
        for p in r["people"]:
            for key in ("email", "name", "first_join", "last_leave", "duration_seconds", "percent", "present",
                        "override"):
                self.assertIn(key, p)

        text = self.ok("attendance", "report", str(self.session)).out
        self.assertIn(ARABIC, text)
        self.assertIn("Nadia Never", text)
        self.assertIn("0:53:00", text)
        self.assertIn("present: 1 of 3 enrolled learners (33.33%); guests: 2", text)
        self.assertNotIn("zak=", text + json.dumps(r))

        # The threshold comes from the configuration.
        r50 = self.ok("--json", "attendance", "report", str(self.session),
                      env={"ZOOMCTL_ATTENDANCE_THRESHOLD": "50"}).json()
        self.assertTrue(self.person(r50, "mallory@example.com")["present"])

    def test_report_refusals(self):
        before = self.snapshot()
        self.fails(3, "attendance", "report", "999")
        self.fails(2, "attendance", "report", "abc")
        self.fails(2, "attendance", "report", "0")
        self.fails(2, "attendance", "report")
        self.assertEqual(self.snapshot(), before)


def export_bytes(test, *extra):
    """`zoomctl attendance export` as bytes (the harness reads text, which folds CRLF)."""
    p = subprocess.run([ZOOMCTL, "attendance", "export", str(test.session), *extra], env=test.env,
                       capture_output=True, timeout=60)
    test.assertEqual(p.returncode, 0, p.stderr)
    return p.stdout


class Export(SmallClass):
    def export_bytes(self, *extra):
        return export_bytes(self, *extra)

    def rows(self, text):
        return list(csv.DictReader(io.StringIO(text, newline="")))

    def test_csv_to_stdout_and_file(self):
        raw = self.export_bytes()
        self.assertFalse(raw.startswith(b"\xef\xbb\xbf"))
        self.assertTrue(raw.endswith(b"\r\n"))
        self.assertNotIn(b"\n", raw.replace(b"\r\n", b""))
        out = raw.decode("utf-8")
        rows = self.rows(out)
        by_email = {r["email"]: r for r in rows}
        self.assertEqual(by_email["layla@example.com"]["name"], ARABIC)
        self.assertEqual(by_email["mallory@example.com"]["name"], "'" + FORMULA)
        self.assertEqual(by_email["layla@example.com"]["duration_seconds"], str(53 * 60))
        self.assertEqual(len(rows), 5)

        path = os.path.join(self.dir, "out", "attendance.csv")
        os.makedirs(os.path.dirname(path))
        r = self.ok("--json", "attendance", "export", str(self.session), "-o", path, "--bom")
        self.assertEqual(r.json()["rows"], 5)
        with open(path, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"\xef\xbb\xbf"))
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(self.rows(data.decode("utf-8-sig")), rows)
        self.assertEqual(os.listdir(os.path.dirname(path)), ["attendance.csv"])  # no temporary left behind

    def test_export_refusals(self):
        before = self.snapshot()
        self.fails(3, "attendance", "export", "999", "-o", os.path.join(self.dir, "x.csv"))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "x.csv")))
        r = self.fails(2, "attendance", "export", str(self.session), "-o", os.path.join(self.dir, "no", "x.csv"))
        self.assertIn("no/x.csv", r.err)
        self.assertEqual(self.snapshot(), before)


class Override(SmallClass):
    def test_override_by_cli_writes_audit_and_shows_in_report(self):
        before = self.snapshot()
        for args in (["--present", "--absent"], [], ["--present", "--reason", "  "]):
            with self.subTest(args=args):
                extra = [] if "--reason" in args else ["--reason", "x"]
                self.fails(2, "attendance", "override", str(self.session), "mallory@example.com", *args, *extra)
        self.fails(3, "attendance", "override", str(self.session), "nobody@example.com", "--present", "--reason", "x")
        self.fails(3, "attendance", "override", "999", "mallory@example.com", "--present", "--reason", "x")
        r = self.zoomctl("attendance", "override", str(self.session), "instructor@example.com", "--present",
                         "--reason", "x")
        self.assertNotEqual(r.code, 0)
        self.assertEqual(self.snapshot(), before)

        r = self.ok("--json", "--actor", "ines", "attendance", "override", str(self.session), "MALLORY@example.com",
                    "--present", "--reason", "was on the phone line").json()
        self.assertEqual((r["before_present"], r["present"], r["actor"]), (False, True, "ines"))
        m = self.person(self.report(), "mallory@example.com")
        self.assertTrue(m["present"])
        self.assertFalse(m["computed_present"])
        self.assertEqual(m["override"]["reason"], "was on the phone line")
        self.assertEqual(m["override"]["actor"], "ines")
        audit = self.sql("SELECT actor, action, before_json, after_json FROM audit_log"
                         " WHERE action = 'attendance.override'")
        self.assertEqual(len(audit), 1)
        self.assertEqual(audit[0][0], "ines")
        self.assertIn("was on the phone line", audit[0][3])
        text = self.ok("attendance", "report", str(self.session)).out
        self.assertIn("override by ines: was on the phone line", text)
        self.assertEqual(self.report()["present"], 2)

        # Latest wins; history kept.
        self.ok("--actor", "ines", "attendance", "override", str(self.session), "mallory@example.com", "--absent",
                "--reason", "left early after all")
        self.assertFalse(self.person(self.report(), "mallory@example.com")["present"])
        self.assertEqual(self.sql("SELECT count(*) FROM attendance_overrides")[0][0], 2)


class Api(SmallClass):
    def test_report_and_csv_over_http(self):
        path = f"/api/sessions/{self.session}/attendance"
        status, h, raw = self.api("GET", path)
        self.assertEqual(status, 200, raw)
        self.assertEqual(json.loads(raw), self.report())
        status, h, raw = self.api("GET", path + ".csv")
        self.assertEqual(status, 200)
        self.assertTrue(h["content-type"].startswith("text/csv"))
        self.assertIn("attachment", h["content-disposition"])
        self.assertEqual(raw, export_bytes(self))
        status, _, raw = self.api("GET", path + ".csv?bom=1")
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"))
        self.assertEqual(self.api("GET", path + ".csv?bom=yes")[0], 400)
        self.assertEqual(self.api("GET", "/api/sessions/999/attendance")[0], 404)
        self.assertEqual(self.api("GET", "/api/sessions/abc/attendance")[0], 400)

    def test_auth_reveals_nothing(self):
        before = self.snapshot()
        for path in (f"/api/sessions/{self.session}/attendance", "/api/sessions/999/attendance",
                     f"/api/sessions/{self.session}/attendance.csv", "/api/sessions/abc/attendance"):
            for token in (None, "wrong", API_TOKEN + "x", ""):
                with self.subTest(path=path, token=token):
                    status, h, raw = self.api("GET", path, token=token)
                    self.assertEqual(status, 401, raw)
                    self.assertEqual(json.loads(raw), {"error": "authentication required: send Authorization: "
                                                                "Bearer <token>"})
        uid = self.ids["mallory@example.com"]
        status, _, _ = self.api("POST", f"/api/sessions/{self.session}/attendance/{uid}",
                                {"present": True, "reason": "x"}, token="wrong")
        self.assertEqual(status, 401)
        self.assertEqual(self.snapshot(), before)
        self.assertNotIn(API_TOKEN, self.log("zoomctld"))

    def test_switched_off_without_the_api_token(self):
        url = self.start_daemon(env={"ZOOMCTL_API_TOKEN": ""})
        status, _, raw = http("GET", url + f"/api/sessions/{self.session}/attendance",
                              headers={"Authorization": "Bearer " + API_TOKEN})
        self.assertEqual(status, 503)
        self.assertIn("ZOOMCTL_API_TOKEN", json.loads(raw)["error"])

    def test_override_over_http(self):
        uid = self.ids["mallory@example.com"]
        path = f"/api/sessions/{self.session}/attendance/{uid}"
        before = self.snapshot()
        bad = [
            ({"present": "yes", "reason": "x"}, 400, "present"),
            ({"reason": "x"}, 400, "present"),
            ({"present": True}, 400, "reason"),
            ({"present": True, "reason": 5}, 400, "reason"),
            ({"present": True, "reason": "   "}, 400, "reason"),
            ("not json", 400, "JSON"),
            ([1], 400, "JSON"),
        ]
        for body, want, word in bad:
            with self.subTest(body=body):
                status, _, raw = self.api("POST", path, body)
                self.assertEqual(status, want, raw)
                self.assertIn(word, json.loads(raw)["error"])
        status, _, raw = self.api("POST", f"/api/sessions/{self.session}/attendance/999999",
                                  {"present": True, "reason": "x"})
        self.assertEqual(status, 404, raw)
        status, _, raw = self.api("POST", f"/api/sessions/{self.session}/attendance/someone",
                                  {"present": True, "reason": "x"})
        self.assertEqual(status, 400, raw)
        self.assertIn("user_id", json.loads(raw)["error"])
        status, _, raw = self.api("POST", f"/api/sessions/{self.session}/attendance/"
                                          f"{self.ids['instructor@example.com']}", {"present": True, "reason": "x"})
        self.assertGreaterEqual(status, 400)
        self.assertLess(status, 500)
        self.assertEqual(self.snapshot(), before)

        status, _, raw = self.api("POST", path, {"present": True, "reason": "camera off, was there"},
                                  headers={"X-Actor": "ines@platform"})
        self.assertEqual(status, 200, raw)
        r = json.loads(raw)
        self.assertEqual((r["user_id"], r["present"], r["before_present"], r["actor"]),
                         (uid, True, False, "api:ines@platform"))
        m = self.person(self.report(), "mallory@example.com")
        self.assertTrue(m["present"])
        self.assertEqual(m["override"]["actor"], "api:ines@platform")
        audit = self.sql("SELECT actor FROM audit_log WHERE action = 'attendance.override'")
        self.assertEqual(audit, [("api:ines@platform",)])
        status, _, raw = self.api("POST", path, {"present": False, "reason": "checked the recording"})
        self.assertEqual(json.loads(raw)["actor"], "api")


class Reconcile(ClassRoom):
    def test_reconcile_adds_what_webhooks_missed(self):
        self.start_pair(["--speed", "600"])
        ids = self.add_people([{"name": "Ines Instructor", "email": "instructor@example.com", "role": "instructor"},
                               {"name": "Lina Learner", "email": "lina@example.com"},
                               {"name": "Omar Learner", "email": "omar@example.com"}])
        session, meeting = self.schedule_session("instructor@example.com")
        mid = meeting["id"]

        # Before the meeting ended Zoom has no report: a clear refusal that changes nothing.
        self.sim("POST", f"/sim/meetings/{mid}/start", {"at": "2026-12-01T10:00:00Z"}, expect=200)
        self.wait_drained()
        before = self.snapshot()
        r = self.fails(4, "attendance", "reconcile", str(session))
        self.assertIn("ended", r.err)
        after = self.snapshot()
        after["token_cache"] = before["token_cache"]  # the OAuth token fetched for the call is cached
        self.assertEqual(after, before)

        lina = self.sim("POST", f"/sim/meetings/{mid}/join", {"name": "Lina Learner", "email": "lina@example.com",
                                                               "customer_key": "", "at": "2026-12-01T10:01:00Z"},
                        expect=200)
        self.sim("POST", f"/sim/meetings/{mid}/leave", {"participant_uuid": lina["participant_uuid"],
                                                         "at": "2026-12-01T10:59:00Z"}, expect=200)
        self.wait_drained()
        # Omar's events never reach zoomctld (the webhook URL is wrong meanwhile: Zoom drops them).
        self.sim("POST", "/sim/webhook-url", {"url": ""}, expect=200)
        omar = self.sim("POST", f"/sim/meetings/{mid}/join", {"name": "Omar Learner", "email": "omar@example.com",
                                                               "customer_key": "", "at": "2026-12-01T10:05:00Z"},
                        expect=200)
        self.sim("POST", f"/sim/meetings/{mid}/leave", {"participant_uuid": omar["participant_uuid"],
                                                         "at": "2026-12-01T10:55:00Z"}, expect=200)
        self.wait_drained()
        self.sim("POST", "/sim/webhook-url", {"url": f"{self.daemon_url}/api/webhooks/zoom"}, expect=200)
        self.sim("POST", f"/sim/meetings/{mid}/end", {"at": "2026-12-01T11:00:00Z"}, expect=200)
        self.wait_drained()

        rep = self.report(session)
        self.assertEqual(next(p for p in rep["people"] if p["email"] == "omar@example.com")["duration_seconds"], 0)
        r = self.ok("--json", "--actor", "ops", "attendance", "reconcile", str(session)).json()
        self.assertEqual(r["inserted"], 1, r)
        self.assertGreaterEqual(r["skipped_overlap"], 1, r)
        rep = self.report(session)
        self.assertEqual(next(p for p in rep["people"] if p["email"] == "omar@example.com")["duration_seconds"],
                         50 * 60)
        self.assertEqual(next(p for p in rep["people"] if p["email"] == "lina@example.com")["duration_seconds"],
                         58 * 60)
        self.assertEqual(self.sql("SELECT count(*) FROM session_attendance WHERE source = 'report'")[0][0], 1)
        self.assertTrue(self.sql("SELECT count(*) FROM audit_log WHERE actor = 'ops'")[0][0] >= 1)
        # Again: nothing new.
        r = self.ok("--json", "attendance", "reconcile", str(session)).json()
        self.assertEqual(r["inserted"], 0)
        text = self.ok("attendance", "reconcile", str(session)).out
        self.assertIn("0 interval(s) added", text)
        self.fails(3, "attendance", "reconcile", "999")

    def test_reconcile_takes_a_lost_leave_from_zooms_report(self):
        self.start_pair(["--speed", "600"])
        self.add_people([{"name": "Ines Instructor", "email": "instructor@example.com", "role": "instructor"},
                         {"name": "Lina Learner", "email": "lina@example.com"}])
        session, meeting = self.schedule_session("instructor@example.com")
        mid = meeting["id"]
        self.sim("POST", f"/sim/meetings/{mid}/start", {"at": "2026-12-01T10:00:00Z"}, expect=200)
        lina = self.sim("POST", f"/sim/meetings/{mid}/join", {"name": "Lina Learner", "email": "lina@example.com",
                                                               "customer_key": "", "at": "2026-12-01T10:01:00Z"},
                        expect=200)
        self.wait_drained()
        # Lina leaves at 10:30, but that webhook never reaches zoomctld.
        self.sim("POST", "/sim/webhook-url", {"url": ""}, expect=200)
        self.sim("POST", f"/sim/meetings/{mid}/leave", {"participant_uuid": lina["participant_uuid"],
                                                         "at": "2026-12-01T10:30:00Z"}, expect=200)
        self.wait_drained()
        self.sim("POST", "/sim/webhook-url", {"url": f"{self.daemon_url}/api/webhooks/zoom"}, expect=200)
        self.sim("POST", f"/sim/meetings/{mid}/end", {"at": "2026-12-01T11:00:00Z"}, expect=200)
        self.wait_drained()

        def lina_row():
            return self.sql("SELECT leave_time, leave_inferred, duration, source FROM session_attendance"
                            " WHERE session_id = ?", (session,))

        # Without the leave, her visit is closed at the meeting's end: present, wrongly.
        self.assertEqual(lina_row(), [("2026-12-01T11:00:00Z", 1, 59 * 60, "webhook")])
        self.assertTrue(self.report(session)["people"][0]["present"])
        r = self.ok("--json", "attendance", "reconcile", str(session)).json()
        self.assertEqual((r["shortened"], r["inserted"]), (1, 0), r)
        self.assertEqual(lina_row(), [("2026-12-01T10:30:00Z", 0, 29 * 60, "webhook")])
        p = self.report(session)["people"][0]
        self.assertEqual((p["email"], p["duration_seconds"], p["present"]), ("lina@example.com", 29 * 60, False))
        audit = json.loads(self.sql("SELECT after_json FROM audit_log WHERE action = 'attendance.reconcile'")[0][0])
        self.assertEqual(audit["shortened"], 1)
        # Again: nothing to correct, nothing to add.
        r = self.ok("--json", "attendance", "reconcile", str(session)).json()
        self.assertEqual((r["shortened"], r["inserted"]), (0, 0), r)
        self.assertEqual(lina_row(), [("2026-12-01T10:30:00Z", 0, 29 * 60, "webhook")])
        # A replayed meeting.ended does not put the guess back.
        self.ok("webhook", "replay", str(self.sql("SELECT max(id) FROM webhook_events"
                                                   " WHERE event = 'meeting.ended'")[0][0]))
        self.assertEqual(lina_row(), [("2026-12-01T10:30:00Z", 0, 29 * 60, "webhook")])


if __name__ == "__main__":
    unittest.main()
