#!/usr/bin/env python3
"""bench/signature_throughput: Meeting SDK signatures per second from zoomctld's
POST /api/signature (verify the learner's access-link token, look the user up,
find the session by meeting number with the viewer's role and cohort
membership, sign the HS256 JWT) against a reference shaped like Zoom's own
sample signature server (bench/reference/zoom_sample_signature.js: take
{meetingNumber, role}, sign, answer; no authentication, no lookup; Node's
standard library only). Both are driven in the same run by the same load
generator (bench/http_load.cpp, built here with the system C++ compiler): N
keep-alive connections to 127.0.0.1, bounded by count and time, rounds
alternating between the two. A sample of each side's signatures is decoded and
its MAC and claims checked. Prints one line.

  python3 bench/signature_throughput.py [--zoomctl build-rel/zoomctl] [--zoomctld build-rel/zoomctld]
      [--zoomsim build-rel/sim/zoomsim] [--learners 20] [--connections 8] [--count 100000] [--seconds 15]
      [--rounds 3] [--json] [--keep]
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

from benchlib import CREDS, HERE, ROOT, build_load, finish, free_port, run_load, wait_up, write_requests

LINK_SECRET = "benchLinkSecret0123456789"


def load(exe, port, requests, args, count, seconds, responses=None, keep=0):
    return run_load(exe, port, requests, args.connections, count, seconds, responses, keep)


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def check_jwt(jwt, mn, role, t0, t1):
    """Returns None when `jwt` verifies with the SDK secret and carries the expected claims, else why not."""
    parts = jwt.split(".")
    if len(parts) != 3:
        return "not three parts"
    mac = hmac.new(CREDS["ZOOM_SDK_SECRET"].encode(), (parts[0] + "." + parts[1]).encode(), hashlib.sha256).digest()
    if base64.urlsafe_b64encode(mac).rstrip(b"=").decode() != parts[2]:
        return "MAC does not verify with the SDK secret"
    header, claims = json.loads(b64url_decode(parts[0])), json.loads(b64url_decode(parts[1]))
    if header != {"alg": "HS256", "typ": "JWT"}:
        return f"header {header}"
    if list(claims) != ["appKey", "sdkKey", "mn", "role", "iat", "exp", "tokenExp"]:
        return f"claims {list(claims)}"
    key = CREDS["ZOOM_SDK_KEY"]
    if claims["appKey"] != key or claims["sdkKey"] != key or str(claims["mn"]) != mn or claims["role"] != role:
        return f"claims {claims}"
    if not (t0 - 1 <= claims["iat"] <= t1 + 1) or claims["exp"] - claims["iat"] != 7200 or \
            claims["tokenExp"] != claims["exp"]:
        return f"times {claims}"
    return None


def verify_sample(path, mn, t0, t1):
    with open(path, encoding="utf-8") as f:
        bodies = [json.loads(line) for line in f if line.strip()]
    bad = [why for why in (check_jwt(b["signature"], mn, 0, t0, t1) for b in bodies) if why]
    return len(bodies), bad


def setup(args, env, scratch):
    """Users, a cohort, one scheduled session (a meeting in zoomsim) with its meeting started."""
    def run(*a):
        p = subprocess.run([args.zoomctl, *a], env=env, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"signature_throughput: zoomctl {' '.join(a)}: exit {p.returncode}: {p.stderr.strip()}")
        return p.stdout

    run("user", "add", "instructor@example.com", "--name", "Bench Instructor", "--role", "instructor")
    learners = [f"learner{i}@example.com" for i in range(args.learners)]
    for i, email in enumerate(learners):
        run("user", "add", email, "--name", f"Bench Learner {i}", "--role", "learner")
    run("cohort", "add", "Bench")
    run("cohort", "enroll", "Bench", *learners)
    start = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).replace(microsecond=0)
    s = json.loads(run("--json", "session", "schedule", "--cohort", "Bench", "--instructor", "instructor@example.com",
                       "--start", start.strftime("%Y-%m-%dT%H:%M:%SZ"), "--duration", "60", "--topic", "Bench live"))
    s = s.get("session", s)
    return s["id"], str(s["zoom_meeting_id"]), learners


def start_meeting(port, mn):
    """A signed meeting.started delivery, as Zoom sends it, so that learners may join."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps({"event": "meeting.started", "event_ts": int(time.time() * 1000),
                       "payload": {"account_id": CREDS["ZOOM_ACCOUNT_ID"],
                                   "object": {"id": mn, "uuid": "benchSigUuid000000000==", "host_id": "benchHost",
                                              "topic": "Bench live", "type": 2, "start_time": now,
                                              "timezone": "UTC", "duration": 60}}})
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(CREDS["ZOOM_WEBHOOK_SECRET_TOKEN"].encode(), f"v0:{ts}:{body}".encode(),
                           hashlib.sha256).hexdigest()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/api/webhooks/zoom", data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json", "x-zm-request-timestamp": ts,
                                          "x-zm-signature": sig})
    with urllib.request.urlopen(req, timeout=10) as r:
        if r.status != 200:
            sys.exit(f"signature_throughput: meeting.started answered {r.status}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zoomctl", default=os.path.join(ROOT, "build-rel", "zoomctl"))
    ap.add_argument("--zoomctld", default=os.path.join(ROOT, "build-rel", "zoomctld"))
    ap.add_argument("--zoomsim", default=os.path.join(ROOT, "build-rel", "sim", "zoomsim"))
    ap.add_argument("--node", default=shutil.which("node") or "node")
    ap.add_argument("--learners", type=int, default=20, help="learners whose access links the requests carry")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--count", type=int, default=100000, help="requests per round and server")
    ap.add_argument("--seconds", type=float, default=15, help="upper bound per round and server")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best of each is reported")
    ap.add_argument("--sample", type=int, default=50, help="signatures of each server decoded and checked")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = ap.parse_args()

    scratch = tempfile.mkdtemp(prefix="signature-throughput-")
    procs = []

    def start(name, argv, env):
        with open(os.path.join(scratch, name + ".log"), "wb") as log:
            procs.append(subprocess.Popen(argv, env=env, stdout=log, stderr=log))

    try:
        exe = build_load(scratch)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOOM_", "ZOOMCTL"))}
        env.update(CREDS, ZOOMCTL_DB=os.path.join(scratch, "zoomctl.db"), XDG_DATA_HOME=scratch,
                   ZOOMCTL_LINK_SECRET=LINK_SECRET)
        sim_port, d_port, n_port = free_port(), free_port(), free_port()
        start("zoomsim", [args.zoomsim, "--listen", f"127.0.0.1:{sim_port}", "--account-id", CREDS["ZOOM_ACCOUNT_ID"],
                          "--client-id", CREDS["ZOOM_CLIENT_ID"], "--client-secret", CREDS["ZOOM_CLIENT_SECRET"],
                          "--webhook-secret", CREDS["ZOOM_WEBHOOK_SECRET_TOKEN"]], env)
        wait_up(sim_port, "/sim/state", "signature_throughput")
        env.update(ZOOM_API_URL=f"http://127.0.0.1:{sim_port}/v2",
                   ZOOM_OAUTH_URL=f"http://127.0.0.1:{sim_port}/oauth/token",
                   ZOOMCTL_PUBLIC_URL=f"http://127.0.0.1:{d_port}")
        session_id, mn, learners = setup(args, env, scratch)
        start("zoomctld", [args.zoomctld, "--listen", f"127.0.0.1:{d_port}"], env)
        start("node", [args.node, os.path.join(HERE, "reference", "zoom_sample_signature.js"), f"127.0.0.1:{n_port}"],
              env)
        wait_up(d_port, "/healthz", "signature_throughput")
        wait_up(n_port, "/", "signature_throughput")
        start_meeting(d_port, mn)

        body = json.dumps({"meetingNumber": mn, "role": 0})
        d_records = []
        for email in learners:
            link = subprocess.run([args.zoomctl, "--json", "link", email, "--session", str(session_id), "--page",
                                   "join"], env=env, capture_output=True, text=True, check=True)
            token = urllib.parse.parse_qs(urllib.parse.urlparse(json.loads(link.stdout)["url"]).query)["token"][0]
            d_records.append(("POST", "/api/signature", ["Content-Type: application/json",
                                                          f"Authorization: Bearer {token}"], body))
        d_req, n_req = os.path.join(scratch, "zoomctld.requests"), os.path.join(scratch, "node.requests")
        write_requests(d_req, d_records)
        write_requests(n_req, [("POST", "/", ["Content-Type: application/json"], body)])
        targets = {"zoomctld": (d_port, d_req), "node": (n_port, n_req)}

        # Warm-up (zoomctld fetches the meeting's passcode from zoomsim once), then alternate.
        for name, (port, req) in targets.items():
            w = load(exe, port, req, args, 500, 10)
            if w["ok"] == 0:
                sys.exit(f"signature_throughput: {name} answered no request: {w['first_non2xx']}")
        best = {"zoomctld": None, "node": None}
        checked = {}
        for r in range(args.rounds):
            for name, (port, req) in targets.items():
                sample = os.path.join(scratch, f"{name}-r{r}.signatures")
                t0 = int(time.time())
                res = load(exe, port, req, args, args.count, args.seconds, sample, args.sample)
                n, bad = verify_sample(sample, mn, t0, int(time.time()))
                c = checked.setdefault(name, [0, []])
                c[0] += n
                c[1] += bad
                if res["non2xx"] or res["errors"]:
                    print(f"signature_throughput: {name} round {r}: {res['non2xx']} non-2xx, {res['errors']} errors; "
                          f"first: {res['first_non2xx']}", file=sys.stderr)
                if best[name] is None or res["rate"] > best[name]["rate"]:
                    best[name] = res
        z, n = best["zoomctld"], best["node"]
        bad = checked["zoomctld"][1] + checked["node"][1]
        for why in bad[:5]:
            print(f"signature_throughput: bad signature: {why}", file=sys.stderr)
        line = (f"signature_throughput: zoomctld {z['rate']:.0f} req/s p99 {z['p99_ms']:.1f} ms; "
                f"node reference {n['rate']:.0f} req/s p99 {n['p99_ms']:.1f} ms; "
                f"ratio {z['rate'] / n['rate']:.2f}x throughput, {z['p99_ms'] / max(n['p99_ms'], 1e-9):.1f}x p99 "
                f"({args.connections} connections, best of {args.rounds} rounds of up to {args.count} requests; "
                f"zoomctld verifies an access link and checks the session, role and cohort per request, the "
                f"reference checks nothing; {checked['zoomctld'][0]} + {checked['node'][0]} signatures decoded, "
                f"{len(bad)} bad)")
        print(line)
        if args.json:
            print(json.dumps({"zoomctld": z, "node": n, "checked": {k: v[0] for k, v in checked.items()},
                              "bad": len(bad)}))
        return 0 if not bad and z["ok"] and n["ok"] else 1
    finally:
        finish("signature_throughput", procs, scratch, args.keep)


if __name__ == "__main__":
    sys.exit(main())
