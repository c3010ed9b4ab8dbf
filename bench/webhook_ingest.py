#!/usr/bin/env python3
"""bench/webhook_ingest: sustained webhook ingest of zoomctld (verify, store the
raw event and apply it to attendance, 200 only after a durable commit) against
a minimal reference receiver of the kind Zoom's Node.js samples are
(bench/reference/zoom_sample_receiver.js: verify the signature, answer 200,
store nothing) and against the same sample made durable the plain way (append
each event to a file and fsync before the 200). All are driven in the same run
by the same load generator (bench/http_load.cpp, built here with the system
C++ compiler, signing each event at send time as Zoom does): signed
meeting.participant_joined/left events, each a new event, N keep-alive
connections, bounded by count and time, 127.0.0.1 only. Prints one line.

  python3 bench/webhook_ingest.py --zoomctl BUILD/zoomctl --zoomctld BUILD/zoomctld \
      [--connections 8] [--count 20000] [--seconds 20] [--rounds 2] [--json]
"""
import argparse
import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from benchlib import CREDS, build_load, finish, free_port, run_load, wait_up, write_requests

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = CREDS["ZOOM_WEBHOOK_SECRET_TOKEN"]
MEETING_ID = "81234567890"
MEETING_UUID = "benchUuid0000000000000=="





def events_file(path, n, tag, start):
    """Writes n signed-at-send-time participant events, each new: even i joins participant i/2 of this
    file's tag, odd i is their leave a minute later (shaped as Zoom sends them: payload samples in
    ../shared/zoom/payloads)."""
    def iso(t):
        return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    records = []
    for i in range(n):
        person, join = i // 2, i % 2 == 0
        body = json.dumps({
            "event": "meeting.participant_" + ("joined" if join else "left"),
            "event_ts": (start + person % 1800) * 1000 + i % 1000,
            "payload": {"account_id": "benchAccount", "object": {
                "id": MEETING_ID, "uuid": MEETING_UUID, "host_id": "benchHost", "topic": "Bench class", "type": 2,
                "start_time": iso(start), "timezone": "UTC", "duration": 60, "participant": {
                    "user_id": str(16778240 + i), "user_name": f"Bench Learner {person}", "id": "",
                    "participant_uuid": f"{tag}-{person}",
                    ("join_time" if join else "leave_time"): iso(start + (0 if join else 60) + person % 1800),
                    "email": f"bench{tag}x{person}@example.com", "registrant_id": None,
                    "participant_user_id": "", "customer_key": ""}}}}, separators=(",", ":"))
        records.append(("POST", "/api/webhooks/zoom", ["Content-Type: application/json; charset=utf-8",
                                                        "User-Agent: Zoom Marketplace/1.0a"], body))
    write_requests(path, records)
    return path


def load(exe, port, args, scratch, tag, count=None, seconds=None):
    """One round against `port` with events of their own (`tag`), so every one is new to zoomctld."""
    count = count or args.count
    path = events_file(os.path.join(scratch, f"events-{tag}.req"), count, tag, 1767225600)
    res = run_load(exe, port, path, args.connections, count, seconds or args.seconds, webhook_secret=SECRET)
    os.unlink(path)
    return res


def setup_db(zoomctl, env, db):
    def run(*a):
        subprocess.run([zoomctl, *a], env=env, check=True, capture_output=True)
    run("user", "add", "instructor@example.com", "--name", "Bench Instructor", "--role", "instructor")
    run("cohort", "add", "Bench")
    con = sqlite3.connect(db)
    # The row `zoomctl session schedule` would write for the meeting the events name.
    con.execute("INSERT INTO sessions (cohort_id, instructor_id, topic, zoom_meeting_id, zoom_meeting_uuid,"
                " start_time, duration, status, actual_start) VALUES (1, 1, 'Bench', ?, ?, ?, 60, 'IN_PROGRESS', ?)",
                (int(MEETING_ID), MEETING_UUID, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))
    con.commit()
    con.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zoomctl", default=shutil.which("zoomctl") or "build/zoomctl")
    ap.add_argument("--zoomctld", default=shutil.which("zoomctld") or "build/zoomctld")
    ap.add_argument("--node", default=shutil.which("node") or "node")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--count", type=int, default=20000, help="events per round and receiver")
    ap.add_argument("--seconds", type=float, default=20, help="upper bound per round and receiver")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds; the best of each is reported")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = ap.parse_args()

    scratch = tempfile.mkdtemp(prefix="webhook-ingest-")
    procs = []
    try:
        exe = build_load(scratch)
        db = os.path.join(scratch, "zoomctl.db")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOOM_", "ZOOMCTL"))}
        env.update(ZOOMCTL_DB=db, ZOOM_WEBHOOK_SECRET_TOKEN=SECRET, XDG_DATA_HOME=scratch)
        setup_db(args.zoomctl, env, db)
        d_port, n_port, f_port = free_port(), free_port(), free_port()
        with open(os.path.join(scratch, "zoomctld.log"), "wb") as log:
            procs.append(subprocess.Popen([args.zoomctld, "--listen", f"127.0.0.1:{d_port}"], env=env,
                                          stdout=log, stderr=log))
        with open(os.path.join(scratch, "node.log"), "wb") as log:
            procs.append(subprocess.Popen([args.node, os.path.join(HERE, "reference", "zoom_sample_receiver.js"),
                                           f"127.0.0.1:{n_port}"], env=env, stdout=log, stderr=log))
        with open(os.path.join(scratch, "node-durable.log"), "wb") as log:
            procs.append(subprocess.Popen([args.node, os.path.join(HERE, "reference", "zoom_sample_receiver.js"),
                                           f"127.0.0.1:{f_port}", os.path.join(scratch, "events.jsonl")],
                                          env=env, stdout=log, stderr=log))
        wait_up(d_port, "/healthz", "webhook_ingest")
        wait_up(n_port, "/", "webhook_ingest")
        wait_up(f_port, "/", "webhook_ingest")

        # Warm-up, then alternate so that neither side gets the quieter moment of a shared machine.
        acked = load(exe, d_port, args, scratch, "warm", 500, 10)["ok"]
        load(exe, n_port, args, scratch, "warm", 500, 10)
        load(exe, f_port, args, scratch, "warm", 500, 10)
        best = {"zoomctld": None, "node": None, "node_durable": None}
        for r in range(args.rounds):
            for name, port in (("zoomctld", d_port), ("node", n_port), ("node_durable", f_port)):
                res = load(exe, port, args, scratch, f"r{r}{name}")
                if name == "zoomctld":
                    acked += res["ok"]
                if res["non2xx"] or res["errors"]:
                    print(f"webhook_ingest: {name} round {r}: {res['non2xx']} non-2xx, {res['errors']} errors",
                          file=sys.stderr)
                if best[name] is None or res["rate"] > best[name]["rate"]:
                    best[name] = res
        con = sqlite3.connect(db)
        stored = con.execute("SELECT count(*) FROM webhook_events WHERE status = 'applied'").fetchone()[0]
        con.close()
        z, n, f = best["zoomctld"], best["node"], best["node_durable"]
        line = (f"webhook_ingest: zoomctld {z['rate']:.0f} ev/s p99 {z['p99_ms']:.1f} ms; "
                f"node sample (stores nothing) {n['rate']:.0f} ev/s p99 {n['p99_ms']:.1f} ms, "
                f"ratio {z['rate'] / n['rate']:.2f}x throughput, {z['p99_ms'] / max(n['p99_ms'], 1e-9):.1f}x p99; "
                f"node sample + fsync'd append {f['rate']:.0f} ev/s p99 {f['p99_ms']:.1f} ms, "
                f"ratio {z['rate'] / f['rate']:.2f}x throughput, {z['p99_ms'] / max(f['p99_ms'], 1e-9):.1f}x p99 "
                f"({args.connections} connections, best of {args.rounds} rounds of up to {args.count} events; "
                f"zoomctld commits each event durably and applies it to attendance; "
                f"{stored} of {acked} acknowledged events stored)")
        print(line)
        if args.json:
            print(json.dumps({"zoomctld": z, "node": n, "node_durable": f, "stored": stored, "acknowledged": acked}))
        return 0 if stored == acked else 1
    finally:
        finish("webhook_ingest", procs, scratch, args.keep)


if __name__ == "__main__":
    sys.exit(main())
