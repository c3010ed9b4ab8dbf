#!/usr/bin/env python3
"""bench/attendance_report: the attendance report of a large session. 1,000
enrolled learners each join and leave 20 times (40,000 signed
meeting.participant_joined/_left deliveries, plus meeting.started and
meeting.ended) go into a real SQLite file through zoomctld's webhook endpoint
(the path Zoom's deliveries take), driven by bench/http_load.cpp. Then
`zoomctl --json attendance report SESSION` and `zoomctl attendance export
SESSION` (CSV) are timed over several repetitions against a reference run in
the same way: the report an LMS plugin would compute itself (this script with
--reference: Python's sqlite3 reads the participant rows of the same file,
merges the intervals per person inside the meeting window and writes CSV with
the csv module). Every result is checked: 1,000 people, each duration exactly
the sum of the 20 intervals generated, the reference's durations equal to
zoomctl's. Prints one line.

  python3 bench/attendance_report.py [--zoomctl build-rel/zoomctl] [--zoomctld build-rel/zoomctld]
      [--zoomsim build-rel/sim/zoomsim] [--participants 1000] [--cycles 20] [--reps 7] [--json] [--keep]
"""
import argparse
import csv
import datetime
import hashlib
import hmac
import io
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import CREDS, ROOT, build_load, finish, free_port, run_load, wait_up

SLOT = 1800  # seconds between the starts of two cycles of one person
MEETING_UUID = "benchAttendanceUuid00000=="


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- the reference: what an LMS plugin would write for itself ----

def reference_report(db, session_id, out, threshold=75):
    """Reads the session's participant rows from the SQLite file, merges each person's
    intervals inside the meeting window and writes the report as CSV."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    start, end, cohort = con.execute("SELECT COALESCE(actual_start, start_time), actual_end, cohort_id FROM sessions"
                                     " WHERE id = ?", (session_id,)).fetchone()
    parse = datetime.datetime.fromisoformat
    w0, w1 = parse(start).timestamp(), parse(end).timestamp()
    people = {}
    for uid, email, name in con.execute("SELECT u.id, u.email, u.name FROM cohort_members m JOIN users u"
                                        " ON u.id = m.user_id WHERE m.cohort_id = ?", (cohort,)):
        people[uid] = {"email": email, "name": name, "spans": []}
    for uid, key, email, name, join, leave in con.execute(
            "SELECT a.user_id, a.participant_key, COALESCE(u.email, a.participant_email),"
            " COALESCE(u.name, a.participant_name), a.join_time, a.leave_time FROM session_attendance a"
            " LEFT JOIN users u ON u.id = a.user_id WHERE a.session_id = ?", (session_id,)):
        p = people.setdefault(uid if uid is not None else key, {"email": email, "name": name, "spans": []})
        if join is not None:
            p["spans"].append((parse(join).timestamp(), parse(leave).timestamp() if leave else w1))
    con.close()
    meeting = w1 - w0
    w = csv.writer(out)
    w.writerow(["user_id", "email", "name", "first_join", "last_leave", "duration_seconds", "percent", "present"])
    for pid, p in sorted(people.items(), key=lambda kv: (kv[1]["name"] or "", kv[1]["email"] or "")):
        spans = sorted((max(a, w0), min(b, w1)) for a, b in p["spans"] if min(b, w1) > max(a, w0))
        total, cur = 0, None
        for a, b in spans:
            if cur and a <= cur[1]:
                cur[1] = max(cur[1], b)
            else:
                if cur:
                    total += cur[1] - cur[0]
                cur = [a, b]
        if cur:
            total += cur[1] - cur[0]
        pct = 100.0 * total / meeting if meeting > 0 else 0.0
        first = min((a for a, _ in p["spans"]), default=None)
        last = max((b for _, b in p["spans"]), default=None)
        w.writerow([pid if isinstance(pid, int) else "", p["email"], p["name"], iso(first) if first else "",
                    iso(last) if last else "", int(total), f"{pct:.1f}", "yes" if pct >= threshold else "no"])


# ---- the load ----

def setup(args, env, run):
    """The instructor, the learners (through zoomctl), one scheduled session; returns (id, meeting id, start)."""
    run("user", "add", "instructor@example.com", "--name", "Bench Instructor", "--role", "instructor")
    learners = [f"learner{p:04d}@example.com" for p in range(args.participants)]
    for p, email in enumerate(learners):
        run("user", "add", email, "--name", f"Learner {p:04d}", "--role", "learner")
    run("cohort", "add", "Bench")
    run("cohort", "enroll", "Bench", *learners)
    start = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).replace(minute=0, second=0,
                                                                                                  microsecond=0)
    minutes = (args.cycles * SLOT + 60) // 60 + 1
    s = json.loads(run("--json", "session", "schedule", "--cohort", "Bench", "--instructor", "instructor@example.com",
                       "--start", start.strftime("%Y-%m-%dT%H:%M:%SZ"), "--duration", str(minutes), "--topic",
                       "Bench attendance"))
    s = s.get("session", s)
    return s["id"], str(s["zoom_meeting_id"]), int(start.timestamp())


def cycle(p, i):
    """Cycle i of participant p: (join offset from the meeting start, length in seconds); the
    intervals of one person never overlap and all lie inside the meeting."""
    join = i * SLOT + (p * 7 + i * 13) % 600
    return join, 60 + (p * 31 + i * 17) % 1100


def event(name, mn, obj_extra, ts_ms):
    return json.dumps({"event": name, "event_ts": ts_ms,
                       "payload": {"account_id": CREDS["ZOOM_ACCOUNT_ID"],
                                   "object": {"id": mn, "uuid": MEETING_UUID, "host_id": "benchHost",
                                              "topic": "Bench attendance", "type": 2, "timezone": "UTC",
                                              "duration": 600, **obj_extra}}}, separators=(",", ":"))


def participant_events(args, mn, t0, uids):
    """Every join and leave, in the order Zoom would send them (by time), and the expected seconds per email."""
    out = []
    expected = {}
    for p in range(args.participants):
        email = f"learner{p:04d}@example.com"
        total = 0
        for i in range(args.cycles):
            j, length = cycle(p, i)
            total += length
            for kind, t in (("joined", t0 + j), ("left", t0 + j + length)):
                part = {"user_id": str(16778240 + p * args.cycles + i), "user_name": f"Learner {p:04d}", "id": "",
                        "participant_uuid": f"BENCH{p:05d}-PART-UUID", "email": email,
                        "join_time" if kind == "joined" else "leave_time": iso(t), "registrant_id": None,
                        "participant_user_id": "", "customer_key": str(uids[email])}
                out.append((t, 0 if kind == "joined" else 1, p, event(f"meeting.participant_{kind}", mn,
                                                                      {"start_time": iso(t0), "participant": part},
                                                                      t * 1000)))
        expected[email] = total
    out.sort()
    return [e[3] for e in out], expected


def post_signed(port, body):
    import urllib.request  # noqa: PLC0415
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(CREDS["ZOOM_WEBHOOK_SECRET_TOKEN"].encode(), f"v0:{ts}:{body}".encode(),
                           hashlib.sha256).hexdigest()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/webhooks/zoom", data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json", "x-zm-request-timestamp": ts,
                                          "x-zm-signature": sig})
    with urllib.request.urlopen(req, timeout=30) as r:
        if r.status != 200:
            sys.exit(f"attendance_report: webhook answered {r.status}")


def timed(argv, env):
    t = time.perf_counter()
    p = subprocess.run(argv, env=env, capture_output=True, text=True)
    took = (time.perf_counter() - t) * 1000
    if p.returncode != 0:
        sys.exit(f"attendance_report: {' '.join(argv[-4:])}: exit {p.returncode}: {p.stderr.strip()[:300]}")
    return took, p.stdout, p.stderr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zoomctl", default=os.path.join(ROOT, "build-rel", "zoomctl"))
    ap.add_argument("--zoomctld", default=os.path.join(ROOT, "build-rel", "zoomctld"))
    ap.add_argument("--zoomsim", default=os.path.join(ROOT, "build-rel", "sim", "zoomsim"))
    ap.add_argument("--participants", type=int, default=1000)
    ap.add_argument("--cycles", type=int, default=20, help="join/leave cycles per participant")
    ap.add_argument("--connections", type=int, default=8, help="webhook delivery connections while loading")
    ap.add_argument("--reps", type=int, default=7, help="timed repetitions of each command; the median is reported")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    ap.add_argument("--reference", nargs=2, metavar=("DB", "SESSION"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.reference:
        t = time.perf_counter()
        reference_report(args.reference[0], int(args.reference[1]), sys.stdout)
        sys.stdout.flush()
        print(f"in-process {(time.perf_counter() - t) * 1000:.1f} ms", file=sys.stderr)
        return 0

    scratch = tempfile.mkdtemp(prefix="attendance-report-")
    procs = []

    def start(name, argv, env):
        with open(os.path.join(scratch, name + ".log"), "wb") as log:
            procs.append(subprocess.Popen(argv, env=env, stdout=log, stderr=log))

    try:
        exe = build_load(scratch)
        db = os.path.join(scratch, "zoomctl.db")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOOM_", "ZOOMCTL"))}
        env.update(CREDS, ZOOMCTL_DB=db, XDG_DATA_HOME=scratch)

        def run(*a):
            p = subprocess.run([args.zoomctl, *a], env=env, capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(f"attendance_report: zoomctl {' '.join(a[:3])}: exit {p.returncode}: {p.stderr.strip()}")
            return p.stdout

        sim_port, d_port = free_port(), free_port()
        start("zoomsim", [args.zoomsim, "--listen", f"127.0.0.1:{sim_port}", "--account-id", CREDS["ZOOM_ACCOUNT_ID"],
                          "--client-id", CREDS["ZOOM_CLIENT_ID"], "--client-secret", CREDS["ZOOM_CLIENT_SECRET"],
                          "--webhook-secret", CREDS["ZOOM_WEBHOOK_SECRET_TOKEN"]], env)
        wait_up(sim_port, "/sim/state", "attendance_report")
        env.update(ZOOM_API_URL=f"http://127.0.0.1:{sim_port}/v2",
                   ZOOM_OAUTH_URL=f"http://127.0.0.1:{sim_port}/oauth/token")
        t_setup = time.time()
        session_id, mn, t0 = setup(args, env, run)
        t_setup = time.time() - t_setup
        con = sqlite3.connect(db)
        uids = dict(con.execute("SELECT email, id FROM users"))
        con.close()
        bodies, expected = participant_events(args, mn, t0, uids)
        requests = os.path.join(scratch, "events.requests")
        with open(requests, "wb") as f:
            for b in bodies:
                raw = b.encode()
                f.write(f"POST /api/webhooks/zoom {len(raw)} 2\n".encode())
                f.write(b"Content-Type: application/json; charset=utf-8\nUser-Agent: Zoom Marketplace/1.0a\n")
                f.write(raw + b"\n")

        start("zoomctld", [args.zoomctld, "--listen", f"127.0.0.1:{d_port}"], env)
        wait_up(d_port, "/healthz", "attendance_report")
        end = t0 + args.cycles * SLOT + 60
        post_signed(d_port, event("meeting.started", mn, {"start_time": iso(t0)}, t0 * 1000))
        ingest = run_load(exe, d_port, requests, args.connections, None, 3600,
                          webhook_secret=CREDS["ZOOM_WEBHOOK_SECRET_TOKEN"])
        post_signed(d_port, event("meeting.ended", mn, {"start_time": iso(t0), "end_time": iso(end)}, end * 1000))
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        procs.clear()
        if ingest["ok"] != len(bodies):
            sys.exit(f"attendance_report: only {ingest['ok']} of {len(bodies)} deliveries accepted: {ingest}")
        con = sqlite3.connect(db)
        applied = con.execute("SELECT count(*) FROM webhook_events WHERE status = 'applied'").fetchone()[0]
        rows = con.execute("SELECT count(*) FROM session_attendance WHERE session_id = ?", (session_id,)).fetchone()[0]
        con.close()
        if applied != len(bodies) + 2 or rows != args.participants * args.cycles:
            sys.exit(f"attendance_report: {applied} events applied, {rows} attendance rows stored; expected "
                     f"{len(bodies) + 2} and {args.participants * args.cycles}")

        # Timed: zoomctl's report and CSV, and the reference, alternating, each a fresh process.
        cmds = {
            "report": [args.zoomctl, "--json", "attendance", "report", str(session_id)],
            "csv": [args.zoomctl, "attendance", "export", str(session_id)],
            "reference": [sys.executable, "-S", os.path.abspath(__file__), "--reference", db, str(session_id)],
        }
        times = {k: [] for k in cmds}
        inside = []  # the reference's own time without the interpreter's start-up
        outs = {}
        for _ in range(args.reps):
            for k, argv in cmds.items():
                took, outs[k], err = timed(argv, env)
                times[k].append(took)
                if k == "reference":
                    inside.append(float(err.split()[1]))

        # Checks.
        problems = []
        people = json.loads(outs["report"])["people"]
        got = {p["email"]: p["duration_seconds"] for p in people}
        if len(people) != args.participants or got != expected:
            wrong = sum(1 for e, s in expected.items() if got.get(e) != s)
            problems.append(f"report: {len(people)} people, {wrong} durations differ from the generated ones")
        csv_rows = list(csv.DictReader(io.StringIO(outs["csv"])))
        got_csv = {r["email"]: int(r["duration_seconds"]) for r in csv_rows}
        if len(csv_rows) != args.participants or got_csv != expected:
            problems.append(f"export: {len(csv_rows)} rows, durations differ from the generated ones")
        ref_rows = list(csv.DictReader(io.StringIO(outs["reference"])))
        got_ref = {r["email"]: int(r["duration_seconds"]) for r in ref_rows}
        if got_ref != got_csv:
            problems.append(f"reference: {len(ref_rows)} rows, durations differ from zoomctl's")
        for why in problems:
            print(f"attendance_report: {why}", file=sys.stderr)

        med = {k: statistics.median(v) for k, v in times.items()}
        line = (f"attendance_report: zoomctl report {med['report']:.0f} ms, CSV {med['csv']:.0f} ms; "
                f"reference {med['reference']:.0f} ms; ratios {med['report'] / med['reference']:.2f}x report, "
                f"{med['csv'] / med['reference']:.2f}x CSV (reference without interpreter start-up "
                f"{statistics.median(inside):.0f} ms; {args.participants} participants, "
                f"{len(bodies)} events loaded through zoomctld at {ingest['rate']:.0f} ev/s; median of {args.reps} "
                f"runs, each a fresh process; {'durations verified' if not problems else 'CHECKS FAILED'})")
        print(line)
        if args.json:
            print(json.dumps({"ms": times, "median_ms": med, "reference_in_process_ms": inside, "ingest": ingest,
                              "setup_seconds": round(t_setup, 1), "rows": rows, "people": len(people),
                              "problems": problems}))
        return 0 if not problems else 1
    finally:
        finish("attendance_report", procs, scratch, args.keep)


if __name__ == "__main__":
    sys.exit(main())
