"""Join when the meeting.started webhook is late or lost: a learner's card or signature
request for a SCHEDULED session inside its start window asks Zoom (GET /meetings/{id})
whether the meeting has started; "started" moves the session to IN_PROGRESS (audited as
coming from Zoom's API, actual_start left for the webhook). Driven through the real
zoomctl, zoomctld and zoomsim on a real SQLite file; zoomsim's request log shows every
call the daemon made to Zoom.

zoomsim here has no webhook URL, so a meeting started on it records its meeting.started
with outcome "no_url" and delivers nothing: the lost webhook. The test delivers that very
body itself, signed, to play the webhook that arrives late."""
import datetime
import hashlib
import hmac
import json
import re
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

from harness import CREDS, http
from test_join_api import JoinWorld, check_jwt, iso

META_SELECT = ("SELECT id, cohort_id, instructor_id, topic, zoom_meeting_id, zoom_meeting_uuid, zoom_join_url,"
               " start_time, duration, status, actual_start, actual_end FROM sessions WHERE id = ?")


def sign(body, ts):
    mac = hmac.new(CREDS["ZOOM_WEBHOOK_SECRET_TOKEN"].encode(), b"v0:" + str(ts).encode() + b":" + body.encode(),
                   hashlib.sha256).hexdigest()
    return "v0=" + mac


class Fallback(JoinWorld):
    """JoinWorld (clock 14 minutes before session 1, learner lea1 in its cohort) with helpers
    to drive zoomsim and read what the daemon asked it."""

    def setUp(self):
        super().setUp()
        self.mn2 = str(self.sql("SELECT zoom_meeting_id FROM sessions WHERE id = ?", (self.s2,))[0][0])
        self.lea1 = self.link("lea1@example.org")
        self.since = self.sim_seq()

    def sim(self, method, path, body=None, expect=200):
        if method == "POST" and body is None:
            body = {}
        status, _, raw = http(method, self.sim_url + path, body)
        self.assertEqual(status, expect, f"{method} {path}: {raw!r}")
        return json.loads(raw) if raw else None

    def sim_seq(self):
        return self.sim("GET", "/sim/requests?limit=1&since=999999999")["last_seq"]

    def meeting_gets(self, mn):
        """The GET /v2/meetings/{mn} zoomsim received since setUp."""
        reqs = self.sim("GET", f"/sim/requests?since={self.since}&prefix=/v2")["requests"]
        return [r for r in reqs if r["method"] == "GET" and r["path"] == f"/v2/meetings/{mn}"]

    def card(self, token, sid):
        status, _, data, _ = self.api("GET", "/api/me/sessions", token)
        self.assertEqual(status, 200, data)
        return next(c for c in data["sessions"] if c["id"] == sid)

    def metric(self, outcome):
        _, _, raw = http("GET", self.daemon_url + "/metrics")
        m = re.search(r'^zoomctld_meeting_status_checks_total\{outcome="' + outcome + r'"\} (\S+)$', raw.decode(),
                      re.M)
        self.assertIsNotNone(m, raw)
        return float(m.group(1))

    def status_of(self, sid):
        return self.sql("SELECT status, actual_start FROM sessions WHERE id = ?", (sid,))[0]

    def audits(self, sid):
        return self.sql("SELECT actor, action, before_json, after_json FROM audit_log"
                        " WHERE entity = 'session' AND entity_id = ? AND action LIKE 'session.start%'", (str(sid),))


class StartedWithoutWebhook(Fallback):
    def test_learner_joins_and_the_late_webhook_only_fills_actual_start(self):
        started = self.sim("POST", f"/sim/meetings/{self.mn1}/start", {})
        lost = [d for d in self.sim("GET", "/sim/webhooks?event=meeting.started")["deliveries"]]
        self.assertEqual([d["outcome"] for d in lost], ["no_url"], "the webhook must not reach the daemon")
        self.assertEqual(self.status_of(self.s1), ("SCHEDULED", None))

        card = self.card(self.lea1, self.s1)
        self.assertTrue(card["can_join"], card)
        self.assertEqual(card["status"], "IN_PROGRESS")
        self.assertEqual(self.status_of(self.s1), ("IN_PROGRESS", None), "actual_start is the webhook's to fill")

        (actor, action, before, after), = self.audits(self.s1)
        self.assertEqual((actor, action), ("zoomctld", "session.start_from_zoom_status"))
        self.assertEqual(json.loads(before), {"status": "SCHEDULED"})
        after = json.loads(after)
        self.assertEqual((after["status"], after["source"], after["zoom_status"]), ("IN_PROGRESS", "zoom_api", "started"))
        self.assertEqual(str(after["zoom_meeting_id"]), self.mn1)
        self.assertRegex(self.log("zoomctld"), rf"session {self.s1} \(meeting {self.mn1}\) marked IN_PROGRESS from "
                                               r"Zoom's meeting status .*not from a webhook")
        self.assertEqual(self.metric("started"), 1)

        status, _, data, _ = self.sig(self.lea1, sessionId=self.s1, role=0)
        self.assertEqual(status, 200, data)
        _, payload = check_jwt(self, data["signature"], CREDS["ZOOM_SDK_SECRET"])
        self.assertEqual((payload["mn"], payload["role"]), (self.mn1, 0))
        self.assertTrue(data["password"], "the check's answer also gives the passcode")
        self.assertEqual(len(self.meeting_gets(self.mn1)), 1, "the grant reuses the check's answer")

        # The lost meeting.started arrives late: it fills actual_start and changes nothing else.
        row = self.sql(META_SELECT, (self.s1,))[0]
        audit_rows = self.sql("SELECT * FROM audit_log")
        body = lost[0]["body"]
        ts = int(time.time())
        status, _, raw = http("POST", self.daemon_url + "/api/webhooks/zoom", body,
                              {"Content-Type": "application/json; charset=utf-8",
                               "x-zm-request-timestamp": str(ts), "x-zm-signature": sign(body, ts)})
        self.assertEqual(status, 200, raw)
        after_row = self.sql(META_SELECT, (self.s1,))[0]
        self.assertEqual(after_row[10], started["start_time"])
        self.assertEqual(after_row[:10] + after_row[11:], row[:10] + row[11:])
        self.assertEqual(self.sql("SELECT * FROM audit_log"), audit_rows)
        self.assertTrue(self.card(self.lea1, self.s1)["can_join"])
        self.assertEqual(len(self.meeting_gets(self.mn1)), 1, "an IN_PROGRESS session is never checked")

    def test_signature_request_alone_confirms_the_start(self):
        self.sim("POST", f"/sim/meetings/{self.mn1}/start", {})
        status, _, data, _ = self.sig(self.lea1, sessionId=self.s1, role=0)
        self.assertEqual(status, 200, data)
        self.assertEqual(self.status_of(self.s1), ("IN_PROGRESS", None))
        self.assertEqual(len(self.audits(self.s1)), 1)
        self.assertEqual(len(self.meeting_gets(self.mn1)), 1)


class StillWaiting(Fallback):
    def test_waiting_meeting_is_not_joinable_and_nothing_changes(self):
        before = self.snapshot()
        card = self.card(self.lea1, self.s1)
        self.assertFalse(card["can_join"], card)
        self.assertEqual(card["status"], "SCHEDULED")
        status, _, data, _ = self.sig(self.lea1, sessionId=self.s1, role=0)
        self.assertEqual(status, 409, data)
        self.assertIn("has not started yet", data["error"])
        status, _, data, _ = self.api("GET", f"/api/sessions/{self.s1}", self.lea1)
        self.assertEqual((status, data["can_join"]), (200, False))
        after = self.snapshot()
        before.pop("token_cache"), after.pop("token_cache")  # the daemon fetched a Zoom token
        self.assertEqual(after, before)
        self.assertEqual(len(self.meeting_gets(self.mn1)), 1, "listing, session and grant share one answer")
        self.assertEqual(self.metric("waiting"), 1)

    def test_many_learners_polling_cost_one_call(self):
        def poll(_):
            status, _, data, _ = self.api("GET", "/api/me/sessions", self.lea1)
            return status, next(c["can_join"] for c in data["sessions"] if c["id"] == self.s1)

        with ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(poll, range(200)))
        self.assertEqual(set(results), {(200, False)})
        self.assertEqual(len(self.meeting_gets(self.mn1)), 1, "200 polls within the cache time, one Zoom call")
        self.assertEqual(self.metric("waiting"), 1)

    def test_cached_answer_is_reused_then_started_is_seen_after_it_expires(self):
        self.assertFalse(self.card(self.lea1, self.s1)["can_join"])
        self.sim("POST", f"/sim/meetings/{self.mn1}/start", {})
        self.assertFalse(self.card(self.lea1, self.s1)["can_join"], "still the cached 'waiting'")
        self.assertEqual(len(self.meeting_gets(self.mn1)), 1)
        time.sleep(20.5)
        self.assertTrue(self.card(self.lea1, self.s1)["can_join"])
        self.assertEqual(len(self.meeting_gets(self.mn1)), 2)


class ZoomFailing(Fallback):
    def check_prompt_and_closed(self, fault):
        self.sim("POST", f"/sim/meetings/{self.mn1}/start", {})
        self.sim("POST", "/sim/faults", fault)
        t0 = time.monotonic()
        card = self.card(self.lea1, self.s1)
        took = time.monotonic() - t0
        self.assertLess(took, 4.5, f"listing took {took:.1f} s with Zoom failing ({fault})")
        self.assertFalse(card["can_join"], card)
        self.assertEqual(self.status_of(self.s1), ("SCHEDULED", None))
        if "latency_ms" not in fault:  # zoomsim logs a slow request only once it has answered it
            self.assertGreaterEqual(len(self.meeting_gets(self.mn1)), 1)
        self.assertEqual(self.metric("error"), 1)
        self.assertIn("cannot ask Zoom whether it has started", self.log("zoomctld"))
        # The failure is cached too: the next polls answer at once without calling Zoom.
        calls = len(self.meeting_gets(self.mn1))
        for _ in range(3):
            t0 = time.monotonic()
            self.assertFalse(self.card(self.lea1, self.s1)["can_join"])
            self.assertLess(time.monotonic() - t0, 1.0)
        self.assertEqual(self.metric("error"), 1)
        self.assertEqual(len(self.meeting_gets(self.mn1)), calls)

    def test_slow_zoom(self):
        # Slower than the whole test: zoomsim logs a request once it has answered it, so an answer
        # logged while the test runs (10 s could pass on a loaded machine) would look like a new call.
        self.check_prompt_and_closed({"latency_ms": 60000})

    def test_zoom_answering_5xx(self):
        self.check_prompt_and_closed({"rate_5xx": 1.0})

    def test_dropped_connections(self):
        self.check_prompt_and_closed({"drop_rate": 1.0})


class NoCall(Fallback):
    def assert_no_call(self, token, sid, mn, joinable=False):
        self.assertEqual(self.card(token, sid)["can_join"], joinable)
        self.assertEqual(self.meeting_gets(mn), [])

    def test_session_outside_the_window(self):
        # Session 2 starts in 74 minutes of daemon time: its window opens in 59.
        self.sim("POST", f"/sim/meetings/{self.mn2}/start", {})
        self.assert_no_call(self.link("lea2@example.org"), self.s2, self.mn2)
        self.assertEqual(self.status_of(self.s2), ("SCHEDULED", None))

    def test_after_the_grace_period(self):
        self.sim("POST", f"/sim/meetings/{self.mn1}/start", {})
        self.daemon(self.s1_start + datetime.timedelta(minutes=60 + 60, seconds=1))
        self.assert_no_call(self.link("lea1@example.org", "--ttl", "48h"), self.s1, self.mn1)
        # Still inside: start + duration + 59 minutes.
        self.daemon(self.s1_start + datetime.timedelta(minutes=60 + 59))
        self.assertTrue(self.card(self.link("lea1@example.org", "--ttl", "48h"), self.s1)["can_join"])

    def test_not_scheduled_or_no_meeting_or_instructor(self):
        self.sim("POST", f"/sim/meetings/{self.mn1}/start", {})
        ins1 = self.link("ins1@example.org")
        self.assertTrue(self.card(ins1, self.s1)["can_start"])
        self.assertEqual(self.meeting_gets(self.mn1), [], "the instructor's card needs no check")
        for status in ("CANCELLED", "COMPLETED"):
            self.set_status(self.s1, status)
            self.assert_no_call(self.lea1, self.s1, self.mn1)
            self.assertEqual(self.sig(self.lea1, sessionId=self.s1, role=0)[0], 409)
        self.set_status(self.s1, "IN_PROGRESS")
        self.assert_no_call(self.lea1, self.s1, self.mn1, joinable=True)
        self.sql_exec("UPDATE sessions SET status = 'SCHEDULED', zoom_meeting_id = NULL WHERE id = ?", (self.s1,))
        self.assertFalse(self.card(self.lea1, self.s1)["can_join"])
        self.assertEqual(self.sim("GET", f"/sim/requests?since={self.since}&prefix=/v2/meetings")["requests"], [])

    def test_without_zoom_api_credentials(self):
        self.sim("POST", f"/sim/meetings/{self.mn1}/start", {})
        self.daemon(self.fake_now, env={"ZOOM_CLIENT_SECRET": ""})
        self.assert_no_call(self.lea1, self.s1, self.mn1)
        self.assertEqual(self.metric("error"), 0)


if __name__ == "__main__":
    unittest.main()
