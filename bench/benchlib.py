"""What the benchmarks in bench/ share: free loopback ports, waiting for a server,
building and running the keep-alive load generator (bench/http_load.cpp) and
writing its request files. Standard library only; imported by the scripts next
to it (their own directory is on sys.path when run as `python3 bench/X.py`)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# Made-up credentials for zoomsim and the servers measured; nothing here reaches Zoom.
CREDS = {
    "ZOOM_ACCOUNT_ID": "benchAccount01",
    "ZOOM_CLIENT_ID": "benchClientId01",
    "ZOOM_CLIENT_SECRET": "benchClientSecret0123456789",
    "ZOOM_SDK_KEY": "benchSdkKey01",
    "ZOOM_SDK_SECRET": "benchSdkSecret0123456789",
    "ZOOM_WEBHOOK_SECRET_TOKEN": "benchWebhookSecret0123456789",
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port, path, name, timeout=15):
    """Returns once anything answers HTTP on 127.0.0.1:port (any status); exits naming `name` otherwise."""
    import urllib.error  # noqa: PLC0415 (kept out of the start-up of scripts that time themselves)
    import urllib.request  # noqa: PLC0415
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{name}: nothing listening on port {port}")


def build_load(out_dir):
    """Builds bench/http_load.cpp with the system compiler ($CXX or c++) into out_dir."""
    exe = os.path.join(out_dir, "http_load")
    cxx = os.environ.get("CXX", "c++")
    subprocess.run([cxx, "-O2", "-std=c++20", os.path.join(HERE, "http_load.cpp"), "-o", exe, "-lcrypto",
                    "-lpthread"], check=True)
    return exe


def write_requests(path, records):
    """records: (method, path, headers list, body str) -> the http_load request file."""
    with open(path, "wb") as f:
        for method, target, headers, body in records:
            b = body.encode()
            f.write(f"{method} {target} {len(b)} {len(headers)}\n".encode())
            for h in headers:
                f.write(h.encode() + b"\n")
            f.write(b + b"\n")


def run_load(exe, port, requests, connections, count, seconds, responses=None, keep=0, webhook_secret=None):
    """Runs http_load once and returns its JSON figures (rate, p50_ms, p99_ms, max_ms, ok, non2xx, errors...):
    `count` requests (None: every record of the file once) within `seconds`. With `webhook_secret`, every
    request is signed at send time as Zoom signs webhooks."""
    cmd = [exe, "--port", str(port), "--requests", requests, "--connections", str(connections), "--seconds",
           str(seconds)]
    if count is not None:
        cmd += ["--count", str(count)]
    env = dict(os.environ)
    if webhook_secret is not None:
        env["BENCH_WEBHOOK_SECRET"] = webhook_secret
        cmd += ["--zoom-webhook-secret-env", "BENCH_WEBHOOK_SECRET"]
    if responses:
        cmd += ["--responses", responses, "--keep-responses", str(keep)]
    p = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return json.loads(p.stdout)


def finish(name, procs, scratch, keep):
    """Stops the servers a benchmark started and removes its scratch directory (or says where it is kept)."""
    for p in procs:
        p.terminate()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
    if keep:
        print(f"{name}: scratch kept in {scratch}", file=sys.stderr)
    else:
        shutil.rmtree(scratch, ignore_errors=True)
