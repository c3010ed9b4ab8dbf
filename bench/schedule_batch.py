#!/usr/bin/env python3
"""Schedules a batch of sessions (default 500) with `zoomctl session import`
against zoomsim injecting transient faults (default 10% 429 + 10% 5xx) and prints
one line with the success rate of meeting creation:

  schedule_batch: 500 sessions, 20% faults, success 100.0%, 97.3 s

Run from a build directory's binaries:

  ZOOMCTL_BIN=build/zoomctl ZOOMSIM_BIN=build/sim/zoomsim python3 bench/schedule_batch.py [--sessions N]

Exits 1 when the success rate is below 99.9%. Five hosts share the batch
(Zoom allows 100 meeting creates per host per UTC day)."""
import argparse
import datetime
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "integration"))
import harness  # noqa: E402


class Bench(harness.Scratch):
    def runTest(self):  # unittest needs a test method; the work is done in run_batch
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=500)
    ap.add_argument("--rate-429", type=float, default=0.1)
    ap.add_argument("--rate-5xx", type=float, default=0.1)
    args = ap.parse_args()

    b = Bench()
    b.setUp()
    try:
        b.start_sim(["--fault-rate-429", str(args.rate_429), "--fault-rate-5xx", str(args.rate_5xx)])
        hosts = max(1, (args.sessions + 99) // 100)
        for i in range(hosts):
            b.ok("user", "add", f"host{i}@example.com", "--name", f"Host {i}", "--role", "instructor")
        b.ok("cohort", "add", "Bench")
        b.ok("user", "provision", "--all-instructors")
        base = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
        lines = ["cohort,instructor,start,duration,topic"]
        for n in range(args.sessions):
            start = (base + datetime.timedelta(days=1, minutes=30 * n)).strftime("%Y-%m-%dT%H:%M:%SZ")
            lines.append(f"Bench,host{n % hosts}@example.com,{start},30,Bench session {n}")
        path = os.path.join(b.dir, "batch.csv")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        t0 = time.time()
        r = b.zoomctl("--json", "session", "import", path, timeout=3600)
        took = time.time() - t0
        rows = json.loads(r.out) if r.out.strip().startswith("[") else []
        created = sum(1 for x in rows if x["outcome"] == "created")
        rate = 100.0 * created / args.sessions
        faults = round(100 * (args.rate_429 + args.rate_5xx))
        print(f"schedule_batch: {args.sessions} sessions, {faults}% faults, success {rate:.1f}%, {took:.1f} s")
        if rate < 99.9:
            for x in rows:
                if x["outcome"] != "created":
                    print(f"  line {x['line']}: {x['outcome']}: {x['reason']}", file=sys.stderr)
            if not rows:
                print(r.err, file=sys.stderr)
            return 1
        return 0
    finally:
        b.tearDown()


if __name__ == "__main__":
    sys.exit(main())
