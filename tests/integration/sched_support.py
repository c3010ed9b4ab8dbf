"""Helpers shared by test_provisioning, test_licensing and test_scheduling: a
scratch case with zoomsim started, direct access to zoomsim's /v2 API (to set up
what Zoom already has) and its request log (to prove that no Zoom call was made)."""
import base64
import json
import os
import urllib.parse

from harness import CREDS, Scratch, http


class SimCase(Scratch):
    sim_args = ()

    def setUp(self):
        super().setUp()
        self.start_sim(list(self.sim_args))
        self._token = None

    # ---- zoomsim
    def sim_get(self, path):
        status, _, raw = http("GET", self.sim_url + path)
        self.assertEqual(status, 200, raw)
        return json.loads(raw)

    def sim_post(self, path, body=None):
        status, _, raw = http("POST", self.sim_url + path, body if body is not None else {})
        return status, (json.loads(raw) if raw else None)

    def state(self):
        return self.sim_get("/sim/state")

    def faults(self, **kw):
        status, body = self.sim_post("/sim/faults", kw)
        self.assertEqual(status, 200, body)

    def v2_calls(self):
        """The /v2 requests zoomsim has seen so far (method, path)."""
        return [(r["method"], r["path"]) for r in self.sim_get("/sim/requests?prefix=/v2&limit=20000")["requests"]]

    def token(self):
        if not self._token:
            basic = base64.b64encode(f"{CREDS['ZOOM_CLIENT_ID']}:{CREDS['ZOOM_CLIENT_SECRET']}".encode()).decode()
            body = urllib.parse.urlencode({"grant_type": "account_credentials",
                                           "account_id": CREDS["ZOOM_ACCOUNT_ID"]})
            status, _, raw = http("POST", self.sim_url + "/oauth/token", body,
                                  {"Authorization": "Basic " + basic,
                                   "Content-Type": "application/x-www-form-urlencoded"})
            self.assertEqual(status, 200, raw)
            self._token = json.loads(raw)["access_token"]
        return self._token

    def v2(self, method, path, body=None):
        """Calls zoomsim's Zoom API directly (bypassing zoomctl), e.g. to set up Zoom's side."""
        status, _, raw = http(method, self.sim_url + "/v2" + path, body, {"Authorization": "Bearer " + self.token()})
        return status, (json.loads(raw) if raw else None)

    def sim_user(self, email):
        for u in self.state()["users"]:
            if u["email"].lower() == email.lower():
                return u
        return None

    def sim_meetings(self):
        return {m["id"]: m for m in self.state()["meetings"]}

    # ---- zoomctl
    def add_user(self, email, role="instructor", name=None):
        self.ok("user", "add", email, "--name", name or email.split("@")[0].title() + " Person", "--role", role)

    def add_cohort(self, name):
        self.ok("cohort", "add", name)

    def audit_rows(self, action=None):
        q = "SELECT actor, action, entity, entity_id, before_json, after_json FROM audit_log"
        if action:
            return self.sql(q + " WHERE action = ? ORDER BY id", (action,))
        return self.sql(q + " ORDER BY id")

    def assert_refused_without_zoom(self, code, *args, contains=None):
        """The command fails with `code`, names the problem, calls Zoom not at all and changes nothing."""
        before_calls = len(self.v2_calls())
        before = self.snapshot()
        r = self.fails(code, *args)
        if contains:
            self.assertIn(contains, r.err)
        self.assertEqual(len(self.v2_calls()), before_calls, f"no Zoom call expected for {args}")
        self.assertEqual(self.snapshot(), before, f"nothing may change for {args}")
        return r


def write(path, text, encoding="utf-8", newline=""):
    with open(path, "w", encoding=encoding, newline=newline) as f:
        f.write(text)
    return path


def future(days=7, hour=10):
    import datetime
    d = datetime.datetime.now(datetime.timezone.utc).replace(hour=hour, minute=0, second=0, microsecond=0)
    return (d + datetime.timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
