"""Concurrent writers (reliability): while zoomctld ingests a steady stream of
Zoom webhooks into the database file, many `zoomctl` processes write to the
same file at once (user add, cohort add/enroll, license assign/release and
session schedule/reschedule against zoomsim, attendance override, webhook
replay, db migrate) and read it (list, report).

Work is split into independent chains, one per class (an instructor, ten
learners, a cohort, three sessions), each a fixed sequence of invocations;
CHAINS chains run WORKERS at a time, so that many processes contend for the
write lock at every moment. Checked afterwards, on the real SQLite file:
every invocation exited 0 and printed no "database is locked", "busy" or other
SQLite error; every write is in the file (users, members, licences, sessions
with their rescheduled values, also in zoomsim, overrides, attendance from the
chains' own events); the daemon answered every delivery 200 and every
acknowledged event is stored and applied; the audit log has exactly the rows
the writes make, per actor. Deterministic: fixed plan, seeded choices, no
timing assertions.
"""
import calendar
import collections
import concurrent.futures
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

from harness import ZOOMCTL, Scratch, http
from test_webhooks import ClassRoom, signed_headers

SEED = int(os.environ.get("ZOOMCTL_CONCURRENCY_SEED", "4242"))
CHAINS = 16          # independent classes
WORKERS = 12         # zoomctl processes at once
LEARNERS = 10        # per class
POSTERS = 2          # threads posting the daemon's steady webhook stream
LOCK_ERROR = re.compile(r"database is locked|busy|sqlite|SQLITE_|disk I/O|malformed|readonly", re.IGNORECASE)


def log(msg):
    print(f"[concurrent] {msg}", file=sys.stderr, flush=True)


def participant_event(event, meeting, uuid_, user_id, name, at, email="", customer_key="", ts=0):
    """A Zoom participant_joined/left body for `meeting` ({id, uuid}), compact as Zoom sends it."""
    p = {"user_id": str(user_id), "user_name": name, "id": "", "participant_uuid": uuid_, "email": email,
         "customer_key": customer_key}
    p["join_time" if event == "meeting.participant_joined" else "leave_time"] = at
    return json.dumps({"event": event, "event_ts": ts, "payload": {"account_id": "A", "object": {
        "id": str(meeting["id"]), "uuid": meeting["uuid"], "host_id": "h", "type": 2, "duration": 60,
        "participant": p}}}, separators=(",", ":"))


def meeting_event(event, meeting, start, end=None, ts=0):
    """A Zoom meeting.started/ended body for `meeting` ({id, uuid}) scheduled at `start`."""
    obj = {"id": str(meeting["id"]), "uuid": meeting["uuid"], "host_id": "h", "topic": "T", "type": 2,
           "start_time": start, "duration": 60}
    if end:
        obj["end_time"] = end
    return json.dumps({"event": event, "event_ts": ts, "payload": {"account_id": "A", "object": obj}},
                      separators=(",", ":"))


class ConcurrentWriters(ClassRoom):
    def setUp(self):
        super().setUp()
        self.calls = []             # (chain, argv, Result) of every zoomctl invocation
        self.calls_lock = threading.Lock()
        self.posts = []             # (body, status, answer) of every delivery to the daemon
        self.posts_lock = threading.Lock()

    # ------------------------------------------------------------- invocations
    def run_cli(self, chain, *args):
        r = self.zoomctl("--actor", chain, *args, timeout=300)
        with self.calls_lock:
            self.calls.append((chain, args, r))
        return r

    def post_event(self, body):
        status, _, raw = self.post(body, signed_headers(body))
        answer = json.loads(raw) if raw else {}
        with self.posts_lock:
            self.posts.append((body, status, answer))
        return status, answer

    # ------------------------------------------------------------- the stream
    def stream(self, n, meeting, stop):
        """Joins (and for most, leaves) of guests in the stream session until `stop`; some sent twice."""
        rng = random.Random(SEED * 100 + n)
        i = 0
        while not stop.is_set():
            i += 1
            uuid_ = f"stream-{n}-{i}"
            join = 600 + rng.randint(0, 1800)
            joined = participant_event("meeting.participant_joined", meeting, uuid_, 10_000 * (n + 1) + i,
                                       f"Guest {n}-{i}", self.at(join), ts=1764583200000 + i)
            self.post_event(joined)
            if rng.random() < 0.2:
                self.post_event(joined)  # a duplicate delivery
            if rng.random() < 0.7:
                leave = join + rng.randint(1, 900)
                self.stream_expected[uuid_] = leave - join
                self.post_event(participant_event("meeting.participant_left", meeting, uuid_,
                                                  10_000 * (n + 1) + i, f"Guest {n}-{i}", self.at(leave),
                                                  ts=1764583200000 + i + 1))
            else:
                self.stream_expected[uuid_] = None
            time.sleep(0.03)

    @staticmethod
    def at(offset, start="2026-12-01T10:00:00Z"):
        """ISO 8601 time `offset` seconds after `start`."""
        base = calendar.timegm(time.strptime(start, "%Y-%m-%dT%H:%M:%SZ"))
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(base + offset))

    # ------------------------------------------------------------- one class
    def chain(self, k):
        """One class, start to finish; returns what it wrote (for the checks), or None if a step failed."""
        actor = f"chain{k:02d}"
        rng = random.Random(SEED + k)
        plan = {"actor": actor, "instructor": f"inst{k:02d}@example.com",
                "learners": [f"l{k:02d}-{j}@example.com" for j in range(LEARNERS)], "cohort": f"Class {k:02d}"}
        run = lambda *a: self.run_cli(actor, *a)  # noqa: E731

        def need(r):
            if r.code != 0:
                raise ChainStopped(actor)
            return r

        try:
            need(run("db", "migrate"))
            plan["instructor_id"] = need(run("--json", "user", "add", plan["instructor"], "--name",
                                             f"Instructor {k}", "--role", "instructor")).json()["id"]
            plan["ids"] = {}
            for j, email in enumerate(plan["learners"]):
                plan["ids"][email] = need(run("--json", "user", "add", email, "--name", f"Learner {k}-{j}",
                                              "--role", "learner")).json()["id"]
            plan["cohort_id"] = need(run("--json", "cohort", "add", plan["cohort"])).json()["id"]
            need(run("cohort", "enroll", plan["cohort"], *plan["learners"][:5]))
            need(run("cohort", "enroll", str(plan["cohort_id"]), *plan["learners"][5:]))
            need(run("--json", "user", "list"))
            need(run("--json", "license", "assign", plan["instructor"]))
            plan["sessions"] = []
            for s in range(3):
                r = need(run("--json", "session", "schedule", "--cohort", plan["cohort"], "--instructor",
                             plan["instructor"], "--start", f"2026-12-{k + 1:02d}T{9 + 2 * s:02d}:00:00Z",
                             "--duration", "60", "--topic", f"Class {k:02d} part {s}")).json()
                plan["sessions"].append({"id": r["id"], "meeting": {"id": r["zoom_meeting_id"],
                                                                    "uuid": r["zoom_meeting_uuid"]},
                                         "start": f"2026-12-{k + 1:02d}T{9 + 2 * s:02d}:00:00Z", "duration": 60,
                                         "topic": f"Class {k:02d} part {s}"})
            need(run("--json", "session", "list", "--cohort", plan["cohort"]))
            need(run("--json", "cohort", "list"))
            # Reschedule each session in a different way (Zoom first, then the file).
            s0, s1, s2 = plan["sessions"]
            s0["start"] = f"2026-12-{k + 1:02d}T08:30:00Z"
            need(run("--json", "session", "reschedule", str(s0["id"]), "--start", s0["start"]))
            s1["duration"] = 90
            need(run("--json", "session", "reschedule", str(s1["id"]), "--duration", "90"))
            s2["topic"] = f"Class {k:02d} finale"
            need(run("--json", "session", "reschedule", str(s2["id"]), "--topic", s2["topic"]))
            # Overrides: three learners per session, present or absent, seeded.
            plan["overrides"] = []
            for s in plan["sessions"]:
                for email in rng.sample(plan["learners"], 3):
                    present = rng.random() < 0.5
                    reason = f"{actor} checked {email} by hand"
                    need(run("--json", "attendance", "override", str(s["id"]), email,
                             "--present" if present else "--absent", "--reason", reason))
                    plan["overrides"].append((s["id"], plan["ids"][email], present, reason))
                need(run("--json", "attendance", "report", str(s["id"])))
            # The chain's own meeting in its last session (start, a learner's 1234 s, end), then replayed.
            learner = plan["learners"][0]
            uid = plan["ids"][learner]
            ts = 1764583300000 + 10 * k
            bodies = [
                meeting_event("meeting.started", s2["meeting"], s2["start"], ts=ts),
                participant_event("meeting.participant_joined", s2["meeting"], f"own-{k}", 900 + k, f"Learner {k}-0",
                                  self.at(60 + k, s2["start"]), learner, str(uid), ts=ts + 1),
                participant_event("meeting.participant_left", s2["meeting"], f"own-{k}", 900 + k, f"Learner {k}-0",
                                  self.at(60 + k + 1234, s2["start"]), learner, str(uid), ts=ts + 2),
                meeting_event("meeting.ended", s2["meeting"], s2["start"], self.at(3600, s2["start"]), ts=ts + 3),
            ]
            plan["own_events"] = []
            for body in bodies:
                status, answer = self.post_event(body)
                if status != 200:
                    raise ChainStopped(actor)
                plan["own_events"].append(answer["event_id"])
            for event_id in plan["own_events"]:
                r = need(run("--json", "webhook", "replay", str(event_id)))
                if r.json()["status"] != "applied":
                    raise ChainStopped(actor)
            need(run("--json", "webhook", "list", "--limit", "10"))
            # The licence goes back and comes again.
            need(run("--json", "license", "release", plan["instructor"]))
            need(run("--json", "license", "assign", plan["instructor"]))
            need(run("db", "migrate"))
            need(run("--json", "attendance", "report", str(s2["id"])))
            return plan
        except ChainStopped:
            return None

    # ------------------------------------------------------------- the test
    def test_many_writers_and_the_daemon_share_the_file(self):
        self.start_pair(["--licenses", str(CHAINS + 4), "--seed", str(SEED)])
        # The stream's session (scheduled before the load starts).
        self.ok("--actor", "setup", "user", "add", "stream@example.com", "--name", "Stream Host", "--role",
                "instructor")
        self.ok("--actor", "setup", "cohort", "add", "Stream")
        stream = self.ok("--actor", "setup", "--json", "session", "schedule", "--cohort", "Stream", "--instructor",
                         "stream@example.com", "--start", "2026-12-01T10:00:00Z", "--duration", "60").json()
        stream_meeting = {"id": stream["zoom_meeting_id"], "uuid": stream["zoom_meeting_uuid"]}
        self.stream_expected = {}

        stop = threading.Event()
        posters = [threading.Thread(target=self.stream, args=(n, stream_meeting, stop)) for n in range(POSTERS)]
        t0 = time.time()
        for t in posters:
            t.start()
        try:
            with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
                plans = list(pool.map(self.chain, range(CHAINS)))
        finally:
            stop.set()
            for t in posters:
                t.join()
        wall = time.time() - t0
        log(f"{len(self.calls)} zoomctl invocations by {WORKERS} at once and {len(self.posts)} deliveries "
            f"in {wall:.1f} s")

        # No invocation failed or reported a database error.
        failed = [(c, a, r) for c, a, r in self.calls if r.code != 0 or LOCK_ERROR.search(r.err)]
        self.assertEqual(failed[:5], [], f"{len(failed)} of {len(self.calls)} invocations failed or reported "
                                         "a database error")
        self.assertEqual([p["actor"] if p else None for p in plans], [f"chain{k:02d}" for k in range(CHAINS)])
        noisy = [(c, a, r.err) for c, a, r in self.calls if r.err.strip()]
        self.assertEqual(noisy[:5], [], "successful invocations print nothing on stderr")

        # The daemon answered every delivery 200, and every acknowledged event is stored and applied.
        self.assertEqual([(s, a) for _, s, a in self.posts if s != 200][:5], [])
        stored = {r[0]: (r[1], r[2]) for r in self.sql("SELECT body, status, deliveries FROM webhook_events")}
        self.assertEqual([b for b, _, _ in self.posts if b not in stored][:3], [], "acknowledged but not stored")
        self.assertEqual(set(stored), {b for b, _, _ in self.posts})
        self.assertEqual({st for st, _ in stored.values()}, {"applied"})
        sent = collections.Counter(b for b, _, _ in self.posts)
        self.assertEqual({b: n for b, (_, n) in stored.items()}, dict(sent), "every delivery counted once")
        self.assertNotRegex(self.log("zoomctld"), LOCK_ERROR)

        # The stream's attendance: one row per guest join, durations exact.
        rows = self.sql("SELECT participant_key, duration FROM session_attendance WHERE session_id = ?",
                        (stream["id"],))
        self.assertEqual(dict(rows), self.stream_expected)

        self.check_rows(plans)
        self.check_audit(plans)
        self.check_zoomsim(plans)

    def check_rows(self, plans):
        for p in plans:
            with self.subTest(chain=p["actor"]):
                users = self.sql("SELECT id, email, role, license_type, zoom_user_id IS NOT NULL FROM users"
                                 " WHERE email LIKE ? OR email = ? ORDER BY id",
                                 (p["actor"].replace("chain", "l") + "-%", p["instructor"]))
                want = sorted([(p["instructor_id"], p["instructor"], "instructor", 2, 1)] +
                              [(i, e, "learner", None, 0) for e, i in p["ids"].items()])
                self.assertEqual(users, want)
                members = self.sql("SELECT user_id FROM cohort_members WHERE cohort_id = ? ORDER BY user_id",
                                   (p["cohort_id"],))
                self.assertEqual([m[0] for m in members], sorted(p["ids"].values()))
                for s in p["sessions"]:
                    row = self.sql("SELECT cohort_id, instructor_id, topic, zoom_meeting_id, start_time, duration,"
                                   " needs_repair FROM sessions WHERE id = ?", (s["id"],))
                    self.assertEqual(row, [(p["cohort_id"], p["instructor_id"], s["topic"], s["meeting"]["id"],
                                            s["start"], s["duration"], None)])
                overrides = self.sql("SELECT session_id, user_id, present, reason FROM attendance_overrides"
                                     " WHERE actor = ? ORDER BY id", (p["actor"],))
                self.assertEqual(overrides, [(s, u, int(pr), r) for s, u, pr, r in p["overrides"]])
                # The chain's own join/leave: 1234 s for learner 0 in the last session.
                report = self.report(p["sessions"][2]["id"])
                self.assertEqual((report["status"], report["meeting_seconds"]), ("COMPLETED", 3600))
                learner0 = next(x for x in report["people"] if x["email"] == p["learners"][0])
                self.assertEqual(learner0["duration_seconds"], 1234)
                marked = {(u): pr for s, u, pr, _ in p["overrides"] if s == p["sessions"][2]["id"]}
                for x in report["people"]:
                    if x["user_id"] in marked:
                        self.assertEqual(x["present"], marked[x["user_id"]], x["email"])
        self.assertEqual(self.sql("SELECT count(*) FROM sessions")[0][0], 1 + 3 * len(plans))
        self.assertEqual(self.sql("SELECT count(*) FROM users")[0][0], 1 + (1 + LEARNERS) * len(plans))

    def check_audit(self, plans):
        for p in plans:
            with self.subTest(chain=p["actor"]):
                rows = self.sql("SELECT action, entity, entity_id FROM audit_log WHERE actor = ?", (p["actor"],))
                got = collections.Counter(rows)
                want = collections.Counter()
                want[("user.add", "user", str(p["instructor_id"]))] += 1
                for i in p["ids"].values():
                    want[("user.add", "user", str(i))] += 1
                want[("cohort.add", "cohort", str(p["cohort_id"]))] += 1
                want[("cohort.enroll", "cohort", str(p["cohort_id"]))] += LEARNERS
                want[("user.provision", "user", str(p["instructor_id"]))] += 1
                want[("license.assign", "user", str(p["instructor_id"]))] += 2
                want[("license.release", "user", str(p["instructor_id"]))] += 1
                for s in p["sessions"]:
                    want[("session.schedule", "session", str(s["id"]))] += 1
                    want[("session.reschedule", "session", str(s["id"]))] += 1
                for s, u, _, _ in p["overrides"]:
                    want[("attendance.override", "session_attendance", f"{s}:{u}")] += 1
                self.assertEqual(got, want)
        actors = {r[0] for r in self.sql("SELECT DISTINCT actor FROM audit_log")}
        self.assertEqual(actors, {"setup"} | {p["actor"] for p in plans})

    def check_zoomsim(self, plans):
        """The reschedules reached Zoom too: zoomsim's meetings carry the new start, duration and topic."""
        meetings = {m["id"]: m for m in self.sim("GET", "/sim/state")["meetings"]}
        for p in plans:
            for s in p["sessions"]:
                m = meetings[s["meeting"]["id"]]
                self.assertEqual((m["start_time"], m["duration"], m["topic"]), (s["start"], s["duration"], s["topic"]))
        self.assertEqual(len(meetings), 1 + 3 * len(plans), "one meeting per session, none doubled")
        status, _, raw = http("GET", self.daemon_url + "/healthz")
        self.assertEqual(status, 200, raw)


class FirstUse(Scratch):
    """The file's first use: several processes open a brand-new file at once, so one of them meets
    another that holds the write lock while it switches the file to WAL and migrates it. The others
    must wait for the lock (the 10 s busy timeout), as they do on a file already in use."""

    def hold_write_lock_while(self, procs, hold_for=5.0):
        """Holds the write lock of the file (as a second zoomctl migrating it does) until every process in
        `procs` has exited or `hold_for` seconds have passed, then lets go; returns their results."""
        con = sqlite3.connect(self.db, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
            deadline = time.time() + hold_for
            while time.time() < deadline and any(p.poll() is None for p in procs):
                time.sleep(0.05)
            con.execute("COMMIT")
        finally:
            con.close()
        return [(p.args[1:], p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]

    def spawn(self, *args):
        p = subprocess.Popen([ZOOMCTL, *args], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        self.procs.append(p)
        return p

    def assert_all_ok(self, results):
        bad = [r for r in results if r[1] != 0 or LOCK_ERROR.search(r[3])]
        self.assertEqual(bad, [], "an invocation failed instead of waiting for the write lock")

    def test_a_fresh_file_waits_for_another_writer(self):
        os.close(os.open(self.db, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))  # new, empty, not yet WAL
        results = self.hold_write_lock_while([
            self.spawn("db", "migrate"),
            self.spawn("--actor", "first", "user", "add", "first@example.com", "--name", "First", "--role", "learner")])
        self.assert_all_ok(results)
        self.assertEqual(self.sql("PRAGMA journal_mode"), [("wal",)])
        self.assertEqual(self.sql("SELECT email FROM users"), [("first@example.com",)])
        self.assertEqual(self.sql("SELECT actor, action FROM audit_log"), [("first", "user.add")])
        status = self.ok("--json", "db", "status").json()
        self.assertEqual(self.sql("SELECT max(version) FROM schema_migrations")[0][0], status["latest"])

    def test_a_file_in_use_waits_for_another_writer(self):
        self.ok("db", "migrate")
        results = self.hold_write_lock_while([
            self.spawn("--actor", "second", "user", "add", "second@example.com", "--name", "Second", "--role",
                       "learner"),
            self.spawn("--actor", "second", "cohort", "add", "Waiting")])
        self.assert_all_ok(results)
        self.assertEqual(self.sql("SELECT email FROM users"), [("second@example.com",)])
        self.assertEqual(sorted(self.sql("SELECT action FROM audit_log")), [("cohort.add",), ("user.add",)])

    def test_many_processes_on_a_fresh_file(self):
        """Rounds of 16 processes started together on a new file each (no lock held by the test)."""
        for rnd in range(4):
            self.db = os.path.join(self.dir, f"fresh{rnd}.db")
            self.env["ZOOMCTL_DB"] = self.db
            procs = [self.spawn("db", "migrate") if i % 2 == 0 else
                     self.spawn("user", "add", f"u{i}@example.com", "--name", f"U {i}", "--role", "learner")
                     for i in range(16)]
            results = [(p.args[1:], p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]
            self.assert_all_ok(results)
            self.assertEqual(self.sql("SELECT count(*) FROM users")[0][0], 8)


class ChainStopped(Exception):
    """A step of a chain failed (recorded in `calls`); its later steps need what it would have made."""


if __name__ == "__main__":
    unittest.main()
