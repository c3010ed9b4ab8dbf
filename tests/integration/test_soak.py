"""Soak (reliability): zoomctld under a steady stream of Zoom webhooks for
ZOOMCTL_SOAK_SECONDS (default 60; set it higher to soak longer by hand), with
zoomsim's delivery faults on (duplicates, delays, reordering, several
concurrent delivery workers) and /v2 faults for the Zoom calls that schedule
the sessions, while the daemon is killed with SIGKILL and restarted at least
four times at seeded-random moments, each while deliveries are pending.

The load is several sessions, each with a class generated here (tens of
learners: late joins, rejoins, two devices, leaves after the end, short
visits, never-joiners) that zoomsim replays as a scenario, one after another.
The expected durations are computed in this file from the generated timeline
(union of each person's intervals clipped to the meeting), not by zoomctl or
zoomsim. Once zoomsim says every delivery is settled: every delivery it saw
acknowledged (any 2xx attempt) is in webhook_events, no event is left
unapplied, every participant's duration in `zoomctl --json attendance report`
equals the expected value to the second, and /healthz answers ok.

Deterministic: the classes, identities, kill moments and zoomsim's choices
come from ZOOMCTL_SOAK_SEED (default fixed). No timing is asserted.
"""
import json
import os
import random
import signal
import sys
import time
import unittest

from harness import http
from test_webhooks import ClassRoom

SEED = int(os.environ.get("ZOOMCTL_SOAK_SEED", "20261201"))
SOAK_SECONDS = float(os.environ.get("ZOOMCTL_SOAK_SECONDS", "60"))
MEETING_END = 3600          # every class is a 60-minute meeting
SECONDS_PER_CLASS = 15.0    # real seconds one class takes to replay
POOL_LEARNERS = 40
RETRY_SPEED = 100           # zoomsim retries after 3 s, 12 s, 36 s: a restart never loses a delivery
SETTLE_TIMEOUT = 300        # generous: the last retry of a delivery can be 51 s after its first try


def log(msg):
    print(f"[soak] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------- the classes
def generate_sessions(rng, kind):
    """One person's join/leave sessions (offsets in seconds, leave None = still in at the end)."""
    end = MEETING_END
    if kind == "never":
        return []
    if kind == "single":
        j = rng.randint(0, 1500)
        return [(j, rng.choice([None, rng.randint(j + 60, end)]))]
    if kind == "late":
        j = rng.randint(1800, end - 120)
        return [(j, None)]
    if kind == "short":
        j = rng.randint(0, end - 200)
        return [(j, j + rng.randint(1, 45))]
    if kind == "after_end":  # leave after the end: zoomsim clips it, or (late_leaves) the daemon must
        j = rng.randint(0, 2400)
        return [(j, end + rng.randint(1, 500))]
    if kind == "rejoin":
        out, t = [], rng.randint(0, 600)
        for _ in range(rng.randint(2, 4)):
            if t >= end - 30:
                break
            leave = t + rng.randint(30, 900)
            out.append((t, leave))
            t = leave + rng.choice([0, rng.randint(1, 600)])  # 0: back at the same second
        if out[-1][1] > end:
            out[-1] = (out[-1][0], rng.choice([None, out[-1][1]]))
        return out
    if kind == "two_devices":  # a second device joins while the first is still in
        j1 = rng.randint(0, 1200)
        l1 = rng.randint(j1 + 600, end)
        j2 = rng.randint(j1 + 1, l1 - 1)
        l2 = rng.choice([None, rng.randint(j2 + 60, end + 300), rng.randint(j2 + 1, l1)])
        return [(j1, l1), (j2, l2)]
    raise ValueError(kind)


KINDS = ["never", "single", "late", "short", "after_end", "rejoin", "two_devices"]
WEIGHTS = [1, 4, 1, 1, 1, 4, 3]


def expected_seconds(sessions, end=MEETING_END):
    """Seconds of the union of `sessions` clipped to [0, end]: computed here, independently of zoomctl."""
    ivs = sorted((max(0, j), min(end, end if l is None else l)) for j, l in sessions)
    total, cur = 0, None
    for a, b in ivs:
        if b <= a:
            continue
        if cur is None or a > cur[1]:
            if cur is not None:
                total += cur[1] - cur[0]
            cur = [a, b]
        else:
            cur[1] = max(cur[1], b)
    if cur is not None:
        total += cur[1] - cur[0]
    return total


def scenario_people(rng, instructor, learners):
    """Scenario people (with the identity zoomsim sends) and email -> expected seconds."""
    people, expected = [], {}
    inst_sessions = [(0, None)]
    people.append({"name": instructor["name"], "email": instructor["email"], "customer_key": str(instructor["id"]),
                   "role": "instructor", "sessions": [{"join": 0, "leave": None, "device": "laptop"}]})
    expected[instructor["email"]] = expected_seconds(inst_sessions)
    for person in learners:
        sessions = generate_sessions(rng, rng.choices(KINDS, WEIGHTS)[0])
        # How zoomsim identifies the person: our id as customer_key (what the join page sets) with or
        # without the email, or only the email (a learner who joined from a plain Zoom link).
        ident = rng.choice(["key+email", "key", "email"])
        people.append({
            "name": person["name"],
            "email": "" if ident == "key" else person["email"],
            "customer_key": "" if ident == "email" else str(person["id"]),
            "sessions": [{"join": j, "leave": l, "device": rng.choice(["laptop", "phone", "tablet"])}
                         for j, l in sessions]})
        expected[person["email"]] = expected_seconds(sessions)
    return people, expected


class Soak(ClassRoom):
    def test_soak_with_delivery_faults_and_sigkills(self):
        rng = random.Random(SEED)
        t_setup = time.time()
        self.start_pair(["--speed", str(RETRY_SPEED), "--webhook-workers", "4", "--seed", str(SEED),
                         "--fault-rate-429", "0.1", "--fault-rate-5xx", "0.15", "--retry-after", "0"])

        # People: two instructors and a pool of learners; each class is a random part of the pool.
        instructors = []
        for i in range(2):
            email = f"instructor{i}@example.com"
            uid = self.ok("--json", "user", "add", email, "--name", f"Instructor {i}", "--role",
                          "instructor").json()["id"]
            instructors.append({"id": uid, "email": email, "name": f"Instructor {i}"})
        pool = []
        for i in range(POOL_LEARNERS):
            email = f"learner{i:02d}@example.com"
            uid = self.ok("--json", "user", "add", email, "--name", f"Learner {i:02d}",
                          "--role", "learner").json()["id"]
            pool.append({"id": uid, "email": email, "name": f"Learner {i:02d}"})

        # Sessions, scheduled through zoomsim's faulted /v2 (zoomctl retries), and their classes.
        n_classes = max(3, round(SOAK_SECONDS / SECONDS_PER_CLASS))
        speed = MEETING_END / (SOAK_SECONDS / n_classes)
        classes = []
        for k in range(n_classes):
            learners = sorted(rng.sample(pool, rng.randint(20, 32)), key=lambda p: p["id"])
            cohort = f"Soak {k}"
            cohort_id = self.ok("--json", "cohort", "add", cohort).json()["id"]
            self.ok("cohort", "enroll", cohort, *[p["email"] for p in learners])
            instructor = instructors[k % len(instructors)]
            r = self.ok("--json", "session", "schedule", "--cohort", str(cohort_id), "--instructor",
                        instructor["email"], "--start", f"2026-12-{k % 28 + 1:02d}T10:00:00Z", "--duration", "60",
                        "--topic", f"Soak class {k}").json()
            people, expected = scenario_people(rng, instructor, learners)
            scenario = {"name": f"soak{k}", "meeting": {"duration": 60, "end": f"+{MEETING_END}s"},
                        "speed": speed, "late_leaves": k % 2 == 1, "people": people,
                        "delivery": {"duplicate_rate": 0.25, "delay_ms": [0, 300], "reorder": 6, "workers": 4}}
            classes.append({"session": r["id"], "meeting": r["zoom_meeting_id"], "scenario": scenario,
                            "expected": expected, "instructor": instructor["email"],
                            "names": {p["email"]: p["name"] for p in [instructor, *learners]},
                            "learners": [p["email"] for p in learners]})
        state = self.sim("GET", "/sim/state")
        v2_faults = sum(state["counters"].get(k, 0) for k in ("fault_429", "fault_500", "fault_503"))
        log(f"setup {time.time() - t_setup:.1f} s: {n_classes} classes at speed {speed:.0f}, "
            f"{v2_faults} /v2 faults absorbed while scheduling")

        # Kill moments: seeded, spread over the soak, at least 4 and 3 s apart.
        n_kills = max(4, int(SOAK_SECONDS // 12))
        kill_at = sorted(rng.uniform(0.05, 0.9) * SOAK_SECONDS for _ in range(n_kills))
        for i in range(1, len(kill_at)):
            kill_at[i] = max(kill_at[i], kill_at[i - 1] + 3.0)
        downtimes = [rng.uniform(0.2, 2.0) for _ in range(n_kills)]
        kills = []

        def kill_and_restart():
            # Kill only while zoomsim has deliveries pending (queued, held, in flight or awaiting a retry).
            deadline = time.time() + 30
            pending = self.sim("GET", "/sim/webhooks/pending")["pending"]
            while pending == 0 and time.time() < deadline:
                time.sleep(0.02)
                pending = self.sim("GET", "/sim/webhooks/pending")["pending"]
            killed_at = round(time.time() - t0, 1)
            self.daemon_proc.send_signal(signal.SIGKILL)
            self.daemon_proc.wait()
            time.sleep(downtimes[len(kills)])
            kills.append({"at": killed_at, "pending": pending})
            self.daemon_proc = self.start_daemon_on(self.daemon_port)

        t0 = time.time()
        for c in classes:
            res = self.sim("POST", f"/sim/scenario?meeting_id={c['meeting']}", c["scenario"], expect=200)
            self.assertEqual(res["state"], "running", res)
            # zoomsim's own reckoning of the same timeline agrees with ours (a check of this file).
            sim_expected = {p["name"]: p["seconds"] for p in res["expected"]["people"]}
            self.assertEqual(sim_expected, {c["names"][e]: s for e, s in c["expected"].items()})
            while True:
                if len(kills) < n_kills and time.time() - t0 >= kill_at[len(kills)]:
                    kill_and_restart()
                    continue
                st = self.sim("GET", "/sim/scenario")
                if st["state"] != "running":
                    break
                time.sleep(0.05)
            self.assertEqual(st["state"], "done", st)
            self.assertEqual(st["errors"], [])
        while len(kills) < n_kills:  # a long run by hand may finish its classes before the last kill moment
            kill_and_restart()
        soak_wall = time.time() - t0

        # Settle: every delivery delivered, dropped or rejected (retries included).
        deadline = time.time() + SETTLE_TIMEOUT
        while self.sim("GET", "/sim/webhooks/pending")["pending"] != 0:
            self.assertLess(time.time(), deadline, "zoomsim's deliveries did not settle")
            time.sleep(0.2)
        log(f"soak {soak_wall:.1f} s, settled {time.time() - t0 - soak_wall:.1f} s later; kills {kills}")

        deliveries = self.sim("GET", "/sim/webhooks")["deliveries"]
        attempts = [a for d in deliveries for a in d["attempts"]]
        failed_attempts = [a for a in attempts if not 200 <= a["status"] < 300]
        log(f"{len(deliveries)} deliveries ({sum(1 for d in deliveries if d['duplicate_of'])} duplicates), "
            f"{len(attempts)} attempts, {len(failed_attempts)} failed attempts")
        self.assertEqual(len(kills), n_kills)
        self.assertTrue(all(k["pending"] > 0 for k in kills), kills)
        self.assertTrue(any(d["duplicate_of"] for d in deliveries), "the run had duplicates")
        self.assertTrue(failed_attempts, "the kills made deliveries fail and be retried")
        self.assertEqual([d for d in deliveries if d["outcome"] != "delivered"][:5], [],
                         "every delivery is acknowledged in the end (none dropped or rejected)")

        # Every acknowledged delivery is stored, once per distinct event, and applied.
        stored = {r[0]: r[1] for r in self.sql("SELECT body, deliveries FROM webhook_events")}
        acknowledged = [d for d in deliveries if any(200 <= a["status"] < 300 for a in d["attempts"])]
        missing = [d["id"] for d in acknowledged if d["body"] not in stored]
        self.assertEqual(missing, [], "acknowledged deliveries that are not in webhook_events")
        self.assertEqual(set(stored), {d["body"] for d in deliveries}, "one row per distinct event, nothing else")
        acks = sum(1 for a in attempts if 200 <= a["status"] < 300)
        self.assertGreaterEqual(sum(stored.values()), acks, "every acknowledged attempt was counted")
        self.assertEqual(self.sql("SELECT status, count(*) FROM webhook_events WHERE status != 'applied'"
                                  " GROUP BY status"), [])
        self.assertEqual(self.ok("--json", "webhook", "list", "--failed").json(), [])

        # Attendance: every participant of every class, to the second.
        for c in classes:
            report = self.report(c["session"])
            with self.subTest(session=c["session"]):
                self.assertEqual(report["status"], "COMPLETED")
                self.assertTrue(report["meeting_ended"])
                self.assertEqual(report["meeting_seconds"], MEETING_END)
                self.assertEqual(report["enrolled"], len(c["learners"]))
                got = {p["email"]: p["duration_seconds"] for p in report["people"]}
                self.assertEqual(set(got), set(c["learners"]) | {c["instructor"]})
                self.assertEqual(got, c["expected"])
                for p in report["people"]:
                    secs = c["expected"][p["email"]]
                    self.assertAlmostEqual(p["percent"], round(secs / MEETING_END * 100, 2), places=2)
                    self.assertEqual(p["computed_present"], secs / MEETING_END * 100 >= report["threshold"],
                                     p["email"])

        # Still healthy after all of it.
        status, _, raw = http("GET", self.daemon_url + "/healthz")
        self.assertEqual(status, 200, raw)
        self.assertEqual(json.loads(raw)["status"], "ok")
        self.assertEqual(self.daemon_proc.poll(), None, "the daemon is still running")


if __name__ == "__main__":
    unittest.main()
