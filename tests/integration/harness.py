"""Shared helpers for the integration tests: run the real binaries on a scratch
directory and a real SQLite file, start zoomctld and zoomsim on free loopback ports.

Standard library only. Binaries come from ZOOMCTL_BIN, ZOOMCTLD_BIN, ZOOMSIM_BIN
(set by CTest); run a file directly with those exported to debug it.
"""
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

ZOOMCTL = os.environ.get("ZOOMCTL_BIN", "zoomctl")
ZOOMCTLD = os.environ.get("ZOOMCTLD_BIN", "zoomctld")
ZOOMSIM = os.environ.get("ZOOMSIM_BIN", "zoomsim")
SOURCE_DIR = os.environ.get("ZOOMCTL_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

# Credentials the emulator is started with and the programs are configured with.
CREDS = {
    "ZOOM_ACCOUNT_ID": "simAccount01",
    "ZOOM_CLIENT_ID": "simClientId01",
    "ZOOM_CLIENT_SECRET": "simClientSecret0123456789",
    "ZOOM_SDK_KEY": "simSdkKey01",
    "ZOOM_SDK_SECRET": "simSdkSecret0123456789",
    "ZOOM_WEBHOOK_SECRET_TOKEN": "simWebhookSecret0123456789",
}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Result:
    def __init__(self, proc):
        self.code = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return f"exit {self.code}\nstdout: {self.out}\nstderr: {self.err}"


def http(method, url, body=None, headers=None, timeout=10):
    """Returns (status, headers dict lower-cased, body bytes); never raises on HTTP errors."""
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            hdrs.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = body
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def wait_http(url, timeout=60.0, proc=None):
    """Polls `url` until it answers below 500. A loaded CI machine can take several seconds to
    start a program, so the deadline is generous; a `proc` that exits meanwhile ends the wait."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            status, _, _ = http("GET", url, timeout=5)
            if status < 500:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


class Scratch(unittest.TestCase):
    """A test case with a scratch directory, a database path and an environment
    with the emulator's credentials. Processes it starts are stopped at the end."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zoomctl-test-")
        self.db = os.path.join(self.dir, "zoomctl.db")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOOM_", "ZOOMCTL"))}
        self.env.update(CREDS)
        self.env["ZOOMCTL_DB"] = self.db
        self.env["XDG_DATA_HOME"] = os.path.join(self.dir, "xdg")
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def zoomctl(self, *args, env=None, input=None, timeout=120):
        e = dict(self.env)
        if env:
            e.update(env)
        p = subprocess.run([ZOOMCTL, *args], capture_output=True, text=True, env=e, input=input, timeout=timeout)
        return Result(p)

    def ok(self, *args, **kw):
        r = self.zoomctl(*args, **kw)
        self.assertEqual(r.code, 0, repr(r))
        return r

    def fails(self, code, *args, **kw):
        r = self.zoomctl(*args, **kw)
        self.assertEqual(r.code, code, repr(r))
        self.assertTrue(r.err.strip(), "a failure must say why on stderr")
        return r

    def sql(self, query, params=()):
        con = sqlite3.connect(self.db)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def snapshot(self):
        """Every row of every table: compare before and after a refused command."""
        con = sqlite3.connect(self.db)
        try:
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            return {t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}
        finally:
            con.close()

    def start(self, argv, env=None, wait_url=None, log_name=None):
        e = dict(self.env)
        if env:
            e.update(env)
        with open(os.path.join(self.dir, (log_name or os.path.basename(argv[0])) + ".log"), "ab") as log:
            p = subprocess.Popen(argv, env=e, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(p)
        if wait_url and not wait_http(wait_url, proc=p):
            p.kill()
            p.wait()
            self.fail(f"{argv[0]} did not come up at {wait_url} (exit {p.returncode}); log:\n"
                      + self.log(log_name or os.path.basename(argv[0])))
        return p

    def log(self, name):
        path = os.path.join(self.dir, name + ".log")
        if not os.path.exists(path):
            return ""
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def start_daemon(self, extra_args=(), env=None):
        port = free_port()
        self.daemon_url = f"http://127.0.0.1:{port}"
        self.start([ZOOMCTLD, "--listen", f"127.0.0.1:{port}", *extra_args], env=env,
                   wait_url=self.daemon_url + "/healthz", log_name="zoomctld")
        return self.daemon_url

    def start_sim(self, extra_args=(), env=None):
        """Starts zoomsim with CREDS and points this test's environment at it."""
        port = free_port()
        self.sim_url = f"http://127.0.0.1:{port}"
        self.start([ZOOMSIM, "--listen", f"127.0.0.1:{port}",
                    "--account-id", CREDS["ZOOM_ACCOUNT_ID"], "--client-id", CREDS["ZOOM_CLIENT_ID"],
                    "--client-secret", CREDS["ZOOM_CLIENT_SECRET"],
                    "--webhook-secret", CREDS["ZOOM_WEBHOOK_SECRET_TOKEN"], *extra_args],
                   env=env, wait_url=self.sim_url + "/sim/state", log_name="zoomsim")
        self.env["ZOOM_API_URL"] = self.sim_url + "/v2"
        self.env["ZOOM_OAUTH_URL"] = self.sim_url + "/oauth/token"
        return self.sim_url
