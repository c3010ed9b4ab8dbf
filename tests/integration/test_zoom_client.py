"""The Zoom REST client against zoomsim: the token cache shared between processes,
recovery from a revoked token, riding out 429 storms, 5xx and dropped connections,
and clear errors for bad credentials (zoomctl zoom token / zoom get)."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import CREDS, Scratch, http  # noqa: E402

EXIT_AUTH = 7


class ZoomClientTest(Scratch):
    def sim_state(self):
        status, _, body = http("GET", self.sim_url + "/sim/state")
        self.assertEqual(status, 200, body)
        return json.loads(body)

    def sim_requests(self, prefix="/v2"):
        status, _, body = http("GET", self.sim_url + "/sim/requests?limit=100000&prefix=" + prefix)
        self.assertEqual(status, 200, body)
        j = json.loads(body)
        return j["requests"] if isinstance(j, dict) else j

    def set_faults(self, **faults):
        status, _, body = http("POST", self.sim_url + "/sim/faults", faults)
        self.assertEqual(status, 200, body)

    def cached_tokens(self):
        return self.sql("SELECT access_token, expires_at, fetched_at FROM token_cache")

    def test_hundred_runs_fetch_one_token(self):
        self.start_sim()
        first = self.ok("zoom", "token", "--json").json()
        self.assertIn("expires_at", first)
        self.assertRegex(first["expires_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertIsInstance(first["scopes"], list)
        self.assertNotIn("access_token", first)
        for _ in range(99):
            r = self.ok("zoom", "token", "--json")
            self.assertEqual(r.json()["expires_at"], first["expires_at"])
        self.assertEqual(self.sim_state()["tokens_issued"], 1)
        rows = self.cached_tokens()
        self.assertEqual(len(rows), 1)
        token = rows[0][0]
        # The token is printed only on request, never in the plain output or logs.
        plain = self.ok("zoom", "token", "-vv")
        self.assertNotIn(token, plain.out + plain.err)
        self.assertIn("expires:", plain.out)
        shown = self.ok("zoom", "token", "--show", "--json").json()
        self.assertEqual(shown["access_token"], token)
        # API calls from further processes reuse it too.
        for _ in range(5):
            me = self.ok("zoom", "get", "/users").json()
            self.assertIn("users", me)
        self.assertEqual(self.sim_state()["tokens_issued"], 1)

    def test_token_is_replaced_a_minute_before_it_expires(self):
        # 72 s: the second process must still see more than a minute left (12 s of room on a loaded
        # machine; the cached expiry is in whole seconds), the one after the sleep less than a minute.
        self.start_sim(["--token-ttl", "72"])
        self.ok("zoom", "token")
        fetched = time.monotonic()  # the token was issued before this
        self.ok("zoom", "get", "/users")
        self.assertEqual(self.sim_state()["tokens_issued"], 1)
        time.sleep(max(0.0, fetched + 12.5 - time.monotonic()))  # now less than 60 s of its life are left
        self.ok("zoom", "get", "/users")
        self.assertEqual(self.sim_state()["tokens_issued"], 2)
        r = self.ok("zoom", "token", "--refresh", "--json").json()
        self.assertGreater(r["expires_in"], 60)
        self.assertEqual(self.sim_state()["tokens_issued"], 3)

    def test_revoked_token_is_replaced_once(self):
        self.start_sim()
        self.ok("zoom", "get", "/users")
        old = self.cached_tokens()[0][0]
        status, _, body = http("POST", self.sim_url + "/sim/tokens/revoke")
        self.assertIn(status, (200, 204), body)
        r = self.ok("zoom", "get", "/users", "-vv")
        self.assertNotIn(old, r.err)
        self.assertEqual(self.sim_state()["tokens_issued"], 2)
        new = self.cached_tokens()[0][0]
        self.assertNotEqual(old, new)
        self.assertNotIn(new, r.err)
        # The next process uses the new token without fetching.
        self.ok("zoom", "get", "/users")
        self.assertEqual(self.sim_state()["tokens_issued"], 2)
        statuses = [q["status"] for q in self.sim_requests()]
        self.assertEqual(statuses.count(401), 1, statuses)

    def test_429_storm_is_ridden_out(self):
        self.start_sim(["--fault-rate-429", "0.5", "--retry-after", "1"])
        started = time.monotonic()
        for _ in range(8):
            self.ok("zoom", "get", "/users")
        self.assertLess(time.monotonic() - started, 60 * 8)
        statuses = [q["status"] for q in self.sim_requests()]
        self.assertIn(429, statuses)
        self.assertEqual(statuses.count(200), 8, statuses)

    def test_endless_429_gives_up_within_the_budget(self):
        self.start_sim(["--fault-rate-429", "1", "--retry-after", "1"])
        started = time.monotonic()
        r = self.fails(6, "zoom", "get", "/users")
        self.assertLess(time.monotonic() - started, 75)
        self.assertIn("Zoom said 429/429", r.err)
        self.assertIn("gave up after", r.err)

    def test_concurrent_processes_share_one_token(self):
        self.start_sim(["--latency-ms", "50"])
        self.ok("db", "migrate")
        env = dict(self.env)
        procs = [subprocess.Popen([os.environ.get("ZOOMCTL_BIN", "zoomctl"), "zoom", "get", "/users"], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(12)]
        for p in procs:
            out, err = p.communicate(timeout=120)
            self.assertEqual(p.returncode, 0, err)
            self.assertIn("users", json.loads(out))
        self.assertEqual(self.sim_state()["tokens_issued"], 1)

    def test_429_without_retry_after_backs_off(self):
        self.start_sim(["--fault-rate-429", "0.5"])
        for _ in range(8):
            self.ok("zoom", "get", "/users")
        statuses = [q["status"] for q in self.sim_requests()]
        self.assertIn(429, statuses)

    def test_5xx_and_dropped_connections_are_retried(self):
        self.start_sim(["--fault-rate-5xx", "0.3", "--drop-rate", "0.2"])
        for _ in range(10):
            self.ok("zoom", "get", "/users")
        reqs = self.sim_requests()
        statuses = [q["status"] for q in reqs]
        self.assertEqual(statuses.count(200), 10, statuses)
        self.assertTrue(any(s >= 500 for s in statuses) or 0 in statuses, statuses)

    def test_faults_switched_on_at_run_time(self):
        self.start_sim()
        self.ok("zoom", "get", "/users")
        self.set_faults(rate_5xx=0.5, drop_rate=0.1)
        for _ in range(5):
            self.ok("zoom", "get", "/users")
        self.set_faults(rate_5xx=0, drop_rate=0)

    def test_bad_credentials_name_the_variables(self):
        self.start_sim()
        wrong = "wrongSecretValue987654321"
        r = self.fails(EXIT_AUTH, "zoom", "get", "/users", "-vv", env={"ZOOM_CLIENT_SECRET": wrong})
        for name in ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET"):
            self.assertIn(name, r.err)
        self.assertNotIn(wrong, r.err + r.out)
        self.assertNotIn(CREDS["ZOOM_CLIENT_SECRET"], r.err + r.out)
        self.assertEqual(self.cached_tokens(), [])
        r = self.fails(EXIT_AUTH, "zoom", "token", env={"ZOOM_ACCOUNT_ID": "someoneElse"})
        self.assertIn("ZOOM_ACCOUNT_ID", r.err)

    def test_zoom_errors_are_quoted_with_code(self):
        self.start_sim()
        r = self.zoomctl("zoom", "get", "/users/nobody@example.com")
        self.assertEqual(r.code, 3, repr(r))  # not found
        self.assertIn("Zoom said 404/1001", r.err)

    def test_unreachable_zoom_fails_cleanly(self):
        self.start_sim()
        r = self.zoomctl("zoom", "get", "/users", env={"ZOOM_OAUTH_URL": "http://127.0.0.1:9/oauth/token"},
                         timeout=120)
        self.assertNotEqual(r.code, 0, repr(r))
        self.assertIn("ZOOM_OAUTH_URL", r.err)


    def test_zoom_get_hides_host_credentials_unless_asked(self):
        # A start_url (it carries the ZAK) or a ZAK starts the class as its host: never printed by default.
        self.start_sim()
        self.ok("user", "add", "ines@example.com", "--name", "Ines", "--role", "instructor")
        self.ok("cohort", "add", "Alpha")
        self.ok("session", "schedule", "--cohort", "Alpha", "--instructor", "ines@example.com",
                "--start", "2031-01-06T10:00:00Z", "--duration", "60", "--topic", "T")
        meeting, host = self.sql("SELECT s.zoom_meeting_id, u.zoom_user_id FROM sessions s"
                                 " JOIN users u ON u.id = s.instructor_id")[0]
        shown = self.ok("zoom", "get", f"/meetings/{meeting}", "--show-secrets").json()
        self.assertIn("zak=", shown["start_url"])
        hidden = self.ok("zoom", "get", f"/meetings/{meeting}")
        self.assertNotIn(shown["start_url"], hidden.out + hidden.err)
        self.assertTrue(hidden.json()["start_url"].startswith("[hidden"))
        self.assertEqual(hidden.json()["join_url"], shown["join_url"])
        zak = self.ok("zoom", "get", f"/users/{host}/token?type=zak", "--show-secrets").json()["token"]
        self.assertTrue(zak)
        r = self.ok("zoom", "get", f"/users/{host}/token?type=zak")
        self.assertNotIn(zak, r.out + r.err)
        # Nested answers too: a listing of meetings.
        listing = self.ok("zoom", "get", f"/users/{host}/meetings")
        self.assertNotIn("zak=", listing.out)


if __name__ == "__main__":
    unittest.main()
