"""A class the instructor ends by mistake and starts again (US-013, US-014, US-017).

Zoom gives the second run a new meeting instance (a new uuid) with its own
meeting.started and meeting.ended. The session goes back to IN_PROGRESS so that
learners can join again; a learner whose leave was never sent is out at the end
of the run they were in, not at the end of a later run; the time between the runs
is not meeting time; and the result is the same whatever order the events come in."""
import random
import unittest

from harness import http
from test_concurrent_writers import meeting_event, participant_event
from test_webhooks import WEBHOOK_PATH, ClassRoom, signed_headers

R1_START, R1_END = "2026-11-02T10:00:00Z", "2026-11-02T10:20:00Z"
R2_START, R2_END = "2026-11-02T10:25:00Z", "2026-11-02T11:00:00Z"
MEETING_SECONDS = 20 * 60 + 35 * 60
# The runs are in the past (the session is scheduled for December) so that a report while the
# second run is going counts up to now.


class Restart(ClassRoom):
    def setUp(self):
        super().setUp()
        self.start_pair(["--speed", "600"])
        self.ids = self.add_people([
            {"name": "Ines Instructor", "email": "instructor@example.com", "role": "instructor"},
            {"name": "Ana Learner", "email": "ana@example.com"},
            {"name": "Ben Learner", "email": "ben@example.com"},
            {"name": "Cat Learner", "email": "cat@example.com"},
            {"name": "Dan Learner", "email": "dan@example.com"},
        ])

    def session_row(self, session):
        return self.sql("SELECT status, actual_start, actual_end FROM sessions WHERE id = ?", (session,))[0]

    def durations(self, report):
        return {p["email"]: p["duration_seconds"] for p in report["people"] if p["email"] != "instructor@example.com"}

    def test_restart_through_zoomsim(self):
        session, meeting = self.schedule_session("instructor@example.com")
        mid = meeting["id"]

        def join(email, at):
            return self.sim("POST", f"/sim/meetings/{mid}/join",
                            {"name": email.split("@")[0], "email": email, "customer_key": "", "at": at}, expect=200)

        first = self.sim("POST", f"/sim/meetings/{mid}/start", {"at": R1_START}, expect=200)
        join("ana@example.com", R1_START)
        join("ben@example.com", "2026-11-02T10:05:00Z")
        # The instructor ends the class by mistake; Zoom's leaves for Ana and Ben never arrive.
        self.sim("POST", f"/sim/meetings/{mid}/end", {"at": R1_END, "leave_open": True}, expect=200)
        self.wait_drained()
        self.assertEqual(self.session_row(session), ("COMPLETED", R1_START, R1_END))

        second = self.sim("POST", f"/sim/meetings/{mid}/start", {"at": R2_START}, expect=200)
        self.assertNotEqual(second["uuid"], first["uuid"])
        self.wait_drained()
        # Running again: learners can join, and the first run's inferred leaves stay at its end.
        self.assertEqual(self.session_row(session), ("IN_PROGRESS", R1_START, None))
        shown = self.ok("--json", "session", "show", str(session)).json()
        self.assertEqual(shown["status"], "IN_PROGRESS")
        ana = join("ana@example.com", "2026-11-02T10:26:00Z")
        self.sim("POST", f"/sim/meetings/{mid}/leave", {"participant_uuid": ana["participant_uuid"],
                                                         "at": "2026-11-02T10:50:00Z"}, expect=200)
        join("cat@example.com", "2026-11-02T10:30:00Z")
        self.wait_drained()
        live = self.report(session)
        self.assertFalse(live["meeting_ended"])
        self.assertEqual(self.durations(live)["ben@example.com"], 15 * 60)

        self.sim("POST", f"/sim/meetings/{mid}/end", {"at": R2_END}, expect=200)
        self.wait_drained()
        self.assertEqual(self.session_row(session), ("COMPLETED", R1_START, R2_END))
        runs = self.sql("SELECT uuid, start_time, end_time FROM meeting_instances WHERE session_id = ?"
                        " ORDER BY start_time", (session,))
        self.assertEqual(runs, [(first["uuid"], R1_START, R1_END), (second["uuid"], R2_START, R2_END)])
        # Ben's join was closed at the first run's end, not stretched over the gap to 11:00.
        self.assertEqual(self.sql("SELECT leave_time, leave_inferred FROM session_attendance"
                                  " WHERE session_id = ? AND participant_email = 'ben@example.com'", (session,)),
                         [(R1_END, 1)])
        rep = self.report(session)
        self.assertTrue(rep["meeting_ended"])
        self.assertEqual(rep["meeting_seconds"], MEETING_SECONDS)
        self.assertEqual(rep["gaps"], [{"from": R1_END, "to": R2_START}])
        self.assertIn(f"not running {R1_END} .. {R2_START} = 0:55:00 (3300 s)",
                      self.ok("attendance", "report", str(session)).out)
        self.assertEqual(self.durations(rep), {"ana@example.com": 20 * 60 + 24 * 60, "ben@example.com": 15 * 60,
                                               "cat@example.com": 30 * 60, "dan@example.com": 0})
        people = {p["email"]: p for p in rep["people"]}
        self.assertEqual(people["ben@example.com"]["last_leave"], R1_END)
        self.assertAlmostEqual(people["ana@example.com"]["percent"], 2640 / MEETING_SECONDS * 100, places=2)

        # Reconcile asks Zoom for both runs' participants; webhooks already have them all.
        r = self.ok("--json", "attendance", "reconcile", str(session)).json()
        self.assertEqual(r["inserted"], 0, r)
        paths = [e["path"] for e in self.sim("GET", "/sim/requests?prefix=/v2/report/meetings")["requests"]]
        self.assertEqual(paths, [f"/v2/report/meetings/{first['uuid']}/participants",
                                 f"/v2/report/meetings/{second['uuid']}/participants"])
        self.assertEqual(self.durations(self.report(session))["ben@example.com"], 15 * 60)

    def events_for(self, meeting):
        """Two runs of `meeting` and four learners' joins and leaves, as Zoom would send them."""
        r1 = {"id": meeting["id"], "uuid": f"{meeting['id']}-run1=="}
        r2 = {"id": meeting["id"], "uuid": f"{meeting['id']}-run2=="}
        key = {e: str(self.ids[e]) for e in ("ana@example.com", "ben@example.com", "cat@example.com",
                                             "dan@example.com")}
        joined, left = "meeting.participant_joined", "meeting.participant_left"

        def p(event, run, email, n, at):
            return participant_event(event, run, f"{email}-p", n, email.split("@")[0], at, email=email,
                                     customer_key=key[email])

        return [
            meeting_event("meeting.started", r1, R1_START),
            meeting_event("meeting.ended", r1, R1_START, R1_END),
            meeting_event("meeting.started", r2, R2_START),
            meeting_event("meeting.ended", r2, R2_START, R2_END),
            p(joined, r1, "ana@example.com", 1, R1_START),  # no leave: out at 10:20
            p(joined, r2, "ana@example.com", 2, "2026-11-02T10:26:00Z"),
            p(left, r2, "ana@example.com", 2, "2026-11-02T10:50:00Z"),
            p(joined, r1, "ben@example.com", 3, "2026-11-02T10:05:00Z"),  # no leave: out at 10:20
            p(joined, r2, "cat@example.com", 4, "2026-11-02T10:30:00Z"),  # no leave: out at 11:00
            p(joined, r1, "dan@example.com", 5, "2026-11-02T10:10:00Z"),
            p(left, r1, "dan@example.com", 5, "2026-11-02T10:15:00Z"),
        ]

    def test_same_result_in_any_order(self):
        rng = random.Random(20261125)
        orders = []
        base = list(range(11))
        orders.append(base)
        orders.append(base[::-1])
        for _ in range(4):
            o = base[:]
            rng.shuffle(o)
            orders.append(o)
        orders.append(base + base)  # every event twice
        for n, order in enumerate(orders):
            session, meeting = self.schedule_session("instructor@example.com", topic=f"Order {n}")
            events = self.events_for(meeting)
            for i in order:
                status, _, raw = self.post_event(events[i])
                self.assertEqual(status, 200, raw)
            with self.subTest(order=order):
                self.assertEqual(self.session_row(session), ("COMPLETED", R1_START, R2_END))
                rep = self.report(session)
                self.assertEqual(rep["meeting_seconds"], MEETING_SECONDS)
                self.assertEqual(self.durations(rep), {"ana@example.com": 2640, "ben@example.com": 900,
                                                       "cat@example.com": 1800, "dan@example.com": 300})
                rows = self.sql("SELECT participant_email, join_time, leave_time, leave_inferred"
                                " FROM session_attendance WHERE session_id = ? ORDER BY join_time", (session,))
                self.assertEqual(rows, [("ana@example.com", R1_START, R1_END, 1),
                                        ("ben@example.com", "2026-11-02T10:05:00Z", R1_END, 1),
                                        ("dan@example.com", "2026-11-02T10:10:00Z", "2026-11-02T10:15:00Z", 0),
                                        ("ana@example.com", "2026-11-02T10:26:00Z", "2026-11-02T10:50:00Z", 0),
                                        ("cat@example.com", "2026-11-02T10:30:00Z", R2_END, 1)])

    def test_cancelled_session_ignores_a_restart(self):
        session, meeting = self.schedule_session("instructor@example.com")
        self.ok("session", "cancel", str(session))
        status, _, raw = self.post_event(meeting_event("meeting.started", meeting, R1_START))
        self.assertEqual(status, 200, raw)
        self.assertEqual(self.session_row(session), ("CANCELLED", None, None))
        self.assertEqual(self.sql("SELECT count(*) FROM meeting_instances WHERE session_id = ?", (session,)),
                         [(0,)])

    def post_event(self, body):
        return http("POST", self.daemon_url + WEBHOOK_PATH, body, signed_headers(body))


if __name__ == "__main__":
    unittest.main()
