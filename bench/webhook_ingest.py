#!/usr/bin/env python3
"""bench/webhook_ingest: sustained webhook ingest of zoomctld (verify, store the
raw event and apply it to attendance, one durable commit per event) against a
minimal reference receiver of the kind Zoom's Node.js samples are
(bench/reference/zoom_sample_receiver.js: verify the signature, answer 200,
store nothing) and against the same sample made durable the plain way (append
each event to a file and fsync before the 200). All are driven in the same run by the same load generator
(bench/webhook_ingest.cpp, built here with the system C++ compiler): signed
meeting.participant_joined/left events, each a new event, N keep-alive
connections, bounded by count and time, 127.0.0.1 only. Prints one line.

  python3 bench/webhook_ingest.py --zoomctl BUILD/zoomctl --zoomctld BUILD/zoomctld \
      [--connections 8] [--count 20000] [--seconds 20] [--rounds 2] [--json]
"""
import argparse
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SECRET = "benchWebhookSecret0123456789"
MEETING_ID = "81234567890"
MEETING_UUID = "benchUuid0000000000000=="


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port, path, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"webhook_ingest: nothing listening on port {port}")


def build_load(out_dir):
    exe = os.path.join(out_dir, "webhook_ingest_load")
    cxx = os.environ.get("CXX", "c++")
    subprocess.run([cxx, "-O2", "-std=c++20", os.path.join(HERE, "webhook_ingest.cpp"), "-o", exe, "-lcrypto",
                    "-lpthread"], check=True)
    return exe


def load(exe, port, args, tag):
    env = dict(os.environ, ZOOM_WEBHOOK_SECRET_TOKEN=SECRET)
    p = subprocess.run([exe, "--port", str(port), "--connections", str(args.connections), "--count",
                        str(args.count), "--seconds", str(args.seconds), "--meeting-id", MEETING_ID,
                        "--meeting-uuid", MEETING_UUID, "--tag", tag], env=env, capture_output=True, text=True,
                       check=True)
    return json.loads(p.stdout)


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
        wait_up(d_port, "/healthz")
        wait_up(n_port, "/")
        wait_up(f_port, "/")

        # Warm-up, then alternate so that neither side gets the quieter moment of a shared machine.
        acked = load(exe, d_port, argparse.Namespace(**{**vars(args), "count": 500, "seconds": 10}), "warm")["ok"]
        load(exe, n_port, argparse.Namespace(**{**vars(args), "count": 500, "seconds": 10}), "warm")
        load(exe, f_port, argparse.Namespace(**{**vars(args), "count": 500, "seconds": 10}), "warm")
        best = {"zoomctld": None, "node": None, "node_durable": None}
        for r in range(args.rounds):
            for name, port in (("zoomctld", d_port), ("node", n_port), ("node_durable", f_port)):
                res = load(exe, port, args, f"r{r}{name}")
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
        for p in procs:
            p.terminate()
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
        if args.keep:
            print(f"webhook_ingest: scratch kept in {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
