"""zoomsim, the Zoom emulator: OAuth, REST errors and limits, faults, webhook
delivery (signature, retries, duplicates, reordering), URL validation,
participants reports and scenario replay. Standard library only.

Run: ZOOMSIM_BIN=/path/to/zoomsim python3 test_sim.py -v
"""
import base64
import hashlib
import hmac
import http.server as httpserver
import json
import os
import socket
import subprocess
import threading
import time
import unittest
import urllib.parse
from datetime import datetime, timedelta, timezone

from harness import CREDS, SOURCE_DIR, ZOOMSIM, Scratch, free_port, http

SECRET = CREDS["ZOOM_WEBHOOK_SECRET_TOKEN"]


class Receiver:
    """A tiny webhook endpoint: records every request; answers with the next status
    from `statuses` (then 200), and answers endpoint.url_validation correctly
    unless `wrong_validation` is set."""

    def __init__(self, statuses=None, wrong_validation=False, delays=None):
        self.requests = []
        self.delays = list(delays or [])
        self.statuses = list(statuses or [])
        self.wrong_validation = wrong_validation
        self.lock = threading.Lock()
        outer = self

        class Handler(httpserver.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with outer.lock:
                    outer.requests.append({"time": time.monotonic(), "path": self.path,
                                           "headers": {k.lower(): v for k, v in self.headers.items()},
                                           "body": body})
                    status = outer.statuses.pop(0) if outer.statuses else 200
                    delay = outer.delays.pop(0) if outer.delays else 0
                time.sleep(delay)
                event = json.loads(body)
                out = b""
                if event.get("event") == "endpoint.url_validation":
                    plain = event["payload"]["plainToken"]
                    key = b"wrong" if outer.wrong_validation else SECRET.encode()
                    enc = hmac.new(key, plain.encode(), hashlib.sha256).hexdigest()
                    out = json.dumps({"plainToken": plain, "encryptedToken": enc}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

        self.server = httpserver.ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # port 0: no race for a free one
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.port}/api/webhooks/zoom"

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def events(self, name=None):
        with self.lock:
            evs = [json.loads(r["body"]) for r in self.requests]
        return [e for e in evs if name is None or e["event"] == name]


class SimTest(Scratch):
    def sim(self, *extra):
        self.base = self.start_sim(list(extra))
        return self.base

    def req(self, method, path, body=None, headers=None, token=True):
        hdrs = dict(headers or {})
        if token and path.startswith("/v2"):
            hdrs["Authorization"] = "Bearer " + (self.token if token is True else token)
        status, h, raw = http(method, self.base + path, body, hdrs)
        data = json.loads(raw) if raw else None
        return status, h, data

    def get_token(self, client_id=None, secret=None, grant="account_credentials", account=None, in_query=False):
        params = {"grant_type": grant, "account_id": account or CREDS["ZOOM_ACCOUNT_ID"]}
        basic = base64.b64encode(f"{client_id or CREDS['ZOOM_CLIENT_ID']}:{secret or CREDS['ZOOM_CLIENT_SECRET']}"
                                 .encode()).decode()
        headers = {"Authorization": "Basic " + basic, "Content-Type": "application/x-www-form-urlencoded"}
        if in_query:
            url = self.base + "/oauth/token?" + urllib.parse.urlencode(params)
            status, _, raw = http("POST", url, b"", headers)
        else:
            status, _, raw = http("POST", self.base + "/oauth/token", urllib.parse.urlencode(params), headers)
        return status, json.loads(raw)

    def login(self):
        status, body = self.get_token()
        self.assertEqual(status, 200, body)
        self.token = body["access_token"]
        return self.token

    def state(self):
        return self.req("GET", "/sim/state")[2]

    def create_user(self, email, type_=1, action="custCreate"):
        status, _, body = self.req("POST", "/v2/users", {"action": action, "user_info": {
            "email": email, "type": type_, "first_name": "F", "last_name": "L"}})
        self.assertEqual(status, 201, body)
        return body

    def create_meeting(self, user, **fields):
        body = {"topic": "Class", "type": 2, "start_time": "2026-12-01T10:00:00Z", "duration": 60,
                "timezone": "UTC", "settings": {"waiting_room": True, "join_before_host": False}}
        body.update(fields)
        status, _, m = self.req("POST", f"/v2/users/{user}/meetings", body)
        self.assertEqual(status, 201, m)
        return m

    def wait_drained(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.req("GET", "/sim/webhooks/pending")[2]["pending"] == 0:
                return
            time.sleep(0.05)
        self.fail("webhook queue did not drain")

    def receiver(self, **kw):
        r = Receiver(**kw)
        self.addCleanup(r.stop)
        return r

    def refusing_port(self):
        """A port that refuses connections for the whole test: bound here and never listening, so no
        server another test starts meanwhile can take it (as one could a port from free_port)."""
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        self.addCleanup(s.close)
        return s.getsockname()[1]


class OAuthTest(SimTest):
    def test_token_grant_and_errors(self):
        self.sim()
        status, body = self.get_token()
        self.assertEqual(status, 200)
        self.assertEqual(body["token_type"], "bearer")
        self.assertEqual(body["expires_in"], 3600)
        self.assertEqual(body["api_url"], self.base)
        self.assertIn("meeting:write:admin", body["scope"].split(" "))
        # Parameters in the query string work too.
        status, body = self.get_token(in_query=True)
        self.assertEqual(status, 200, body)

        status, body = self.get_token(secret="wrong")
        self.assertEqual((status, body), (400, {"reason": "Invalid client_id or client_secret",
                                                "error": "invalid_client"}))
        status, body = self.get_token(client_id="nobody")
        self.assertEqual(body["error"], "invalid_client")
        status, body = self.get_token(grant="client_credentials")
        self.assertEqual((status, body), (400, {"reason": "unsupported grant type",
                                                "error": "unsupported_grant_type"}))
        status, body = self.get_token(account="otherAccount")
        self.assertEqual((status, body), (400, {"reason": "Invalid account_id", "error": "invalid_request"}))
        # No Basic auth at all.
        status, _, raw = http("POST", self.base + "/oauth/token", "grant_type=account_credentials",
                              {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((status, json.loads(raw)["error"]), (400, "invalid_client"))
        self.assertEqual(self.state()["tokens_issued"], 2)

    def test_bearer_checks_and_revocation(self):
        self.sim()
        self.login()
        status, h, body = self.req("GET", "/v2/users", token=False)
        self.assertEqual((status, body), (401, {"code": 124, "message": "Invalid access token."}))
        self.assertIn("x-zm-trackingid", h)
        self.assertTrue(h["content-type"].startswith("application/json"))
        status, _, body = self.req("GET", "/v2/users", token="made-up")
        self.assertEqual((status, body["code"]), (401, 124))
        status, h, body = self.req("GET", "/v2/users")
        self.assertEqual(status, 200)
        for k in ("x-ratelimit-category", "x-ratelimit-type", "x-ratelimit-limit", "x-ratelimit-remaining",
                  "x-zm-trackingid"):
            self.assertIn(k, h)
        self.assertEqual(h["x-ratelimit-category"], "Medium")
        self.assertEqual(self.req("POST", "/sim/tokens/revoke")[0], 204)
        status, _, body = self.req("GET", "/v2/users")
        self.assertEqual((status, body), (401, {"code": 124, "message": "Access token is expired."}))
        self.login()
        self.assertEqual(self.req("GET", "/v2/users")[0], 200)

    def test_token_ttl(self):
        # Three seconds: the request right after the grant must fit in the token's life on a loaded machine.
        self.sim("--token-ttl", "3")
        status, body = self.get_token()
        granted = time.monotonic()  # the token was issued before this
        self.assertEqual(body["expires_in"], 3)
        self.token = body["access_token"]
        self.assertEqual(self.req("GET", "/v2/users")[0], 200)
        time.sleep(max(0.0, granted + 3.2 - time.monotonic()))
        status, _, body = self.req("GET", "/v2/users")
        self.assertEqual((status, body["message"]), (401, "Access token is expired."))

    def test_listen_refuses_non_loopback(self):
        p = subprocess.run([ZOOMSIM, "--listen", f"0.0.0.0:{free_port()}"], capture_output=True, text=True,
                           timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertIn("loopback", p.stderr)
        p = subprocess.run([ZOOMSIM, "--help"], capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 0)
        for flag in ("--listen", "--licenses", "--speed", "--fault-rate-429", "--fault-rate-5xx", "--latency-ms",
                     "--drop-rate", "--token-ttl", "--daily-meeting-limit", "--seed", "--scenario",
                     "--webhook-url", "--webhook-secret"):
            self.assertIn(flag, p.stdout)


class UsersTest(SimTest):
    def test_create_get_list_and_conflicts(self):
        self.sim()
        self.login()
        u = self.create_user("Ann@Example.com", action="create")
        self.assertEqual(set(u), {"id", "email", "first_name", "last_name", "type"})
        self.assertEqual(u["type"], 1)
        status, _, body = self.req("POST", "/v2/users", {"action": "create", "user_info": {
            "email": "ann@example.com", "type": 1}})
        self.assertEqual((status, body), (409, {"code": 1005, "message": "User already in the account: "
                                                                         "ann@example.com"}))
        status, _, body = self.req("POST", "/v2/users", {"action": "create", "user_info": {"email": "bad"}})
        self.assertEqual((status, body["code"], body["message"]), (400, 300, "Validation Failed."))
        self.assertEqual({e["field"] for e in body["errors"]}, {"user_info.email", "user_info.type"})
        status, _, body = self.req("POST", "/v2/users", "{not json", {"Content-Type": "application/json"})
        self.assertEqual((status, body["code"]), (400, 300))

        # "create" leaves the user pending; GET by id and by email.
        status, _, got = self.req("GET", "/v2/users/" + u["id"])
        self.assertEqual((status, got["status"], got["email"]), (200, "pending", "Ann@Example.com"))
        status, _, got = self.req("GET", "/v2/users/ann%40example.com")
        self.assertEqual((status, got["id"]), (200, u["id"]))
        status, _, body = self.req("GET", "/v2/users/nobody@example.com")
        self.assertEqual((status, body), (404, {"code": 1001, "message": "User does not exist: nobody@example.com."}))

        for i in range(5):
            self.create_user(f"user{i}@example.com")
        status, _, page = self.req("GET", "/v2/users?page_size=2")
        self.assertEqual((page["total_records"], len(page["users"]), page["page_count"]), (5, 2, 3))
        emails = [x["email"] for x in page["users"]]
        while page["next_page_token"]:
            status, _, page = self.req("GET", "/v2/users?page_size=2&next_page_token=" + page["next_page_token"])
            emails += [x["email"] for x in page["users"]]
        self.assertEqual(emails, [f"user{i}@example.com" for i in range(5)])
        status, _, page = self.req("GET", "/v2/users?status=pending")
        self.assertEqual([x["email"] for x in page["users"]], ["Ann@Example.com"])
        self.assertNotIn("id", page["users"][0])  # Zoom omits the id of pending users in listings
        self.assertEqual(self.req("POST", f"/sim/users/{u['id']}/activate")[0], 200)
        self.assertEqual(self.req("GET", "/v2/users/" + u["id"])[2]["status"], "active")

        status, _, body = self.req("GET", f"/v2/users/{u['id']}/token?type=zak")
        self.assertEqual(status, 200)
        self.assertEqual(list(body), ["token"])

    def test_license_limit(self):
        self.sim("--licenses", "2")
        self.login()
        ids = [self.create_user(f"i{i}@example.com")["id"] for i in range(3)]
        self.assertEqual(self.req("PATCH", f"/v2/users/{ids[0]}", {"type": 2})[0], 204)
        self.assertEqual(self.req("PATCH", f"/v2/users/{ids[1]}", {"type": 2})[0], 204)
        self.assertEqual(self.req("PATCH", f"/v2/users/{ids[1]}", {"type": 2})[0], 204)  # already licensed
        status, _, body = self.req("PATCH", f"/v2/users/{ids[2]}", {"type": 2})
        self.assertEqual((status, body["code"]), (400, 3412))
        self.assertIn('maximum number of "2" paying users', body["message"])
        status, _, body = self.req("POST", "/v2/users", {"action": "custCreate", "user_info": {
            "email": "paid@example.com", "type": 2}})
        self.assertEqual((status, body["code"]), (400, 3412))
        self.assertIn("2 paying users", body["message"])
        self.assertEqual(self.state()["licenses"], {"limit": 2, "used": 2})
        # Releasing one makes room.
        self.assertEqual(self.req("PATCH", f"/v2/users/{ids[0]}", {"type": 1})[0], 204)
        self.assertEqual(self.req("PATCH", f"/v2/users/{ids[2]}", {"type": 2})[0], 204)
        self.assertEqual(self.req("GET", f"/v2/users/{ids[2]}")[2]["type"], 2)
        status, _, body = self.req("PATCH", "/v2/users/nobody@example.com", {"type": 2})
        self.assertEqual((status, body["code"]), (404, 1001))


class MeetingsTest(SimTest):
    def test_create_get_update_delete(self):
        self.sim()
        self.login()
        host = self.create_user("host@example.com")
        m = self.create_meeting(host["id"], topic="Algebra")
        self.assertIsInstance(m["id"], int)
        self.assertGreater(m["id"], 10 ** 10)
        for k in ("uuid", "host_id", "topic", "type", "start_time", "duration", "timezone", "join_url",
                  "start_url", "password", "settings", "status"):
            self.assertIn(k, m)
        self.assertEqual((m["host_id"], m["topic"], m["status"], m["start_time"]),
                         (host["id"], "Algebra", "waiting", "2026-12-01T10:00:00Z"))
        self.assertTrue(m["join_url"].startswith(f"https://zoomsim.invalid/j/{m['id']}?pwd="))
        self.assertTrue(m["start_url"].startswith(f"https://zoomsim.invalid/s/{m['id']}?zak="))
        self.assertTrue(m["settings"]["waiting_room"])
        self.assertFalse(m["settings"]["join_before_host"])

        status, _, got = self.req("GET", f"/v2/meetings/{m['id']}")
        self.assertEqual((status, got["uuid"], got["id"]), (200, m["uuid"], m["id"]))
        self.assertEqual(self.req("PATCH", f"/v2/meetings/{m['id']}", {"topic": "Geometry", "duration": 90})[0], 204)
        got = self.req("GET", f"/v2/meetings/{m['id']}")[2]
        self.assertEqual((got["topic"], got["duration"]), ("Geometry", 90))
        status, _, body = self.req("PATCH", f"/v2/meetings/{m['id']}", {"start_time": "tomorrow"})
        self.assertEqual((status, body["code"]), (400, 300))

        # A started meeting cannot be deleted.
        self.assertEqual(self.req("POST", f"/sim/meetings/{m['id']}/start", {})[0], 200)
        status, _, body = self.req("DELETE", f"/v2/meetings/{m['id']}")
        self.assertEqual((status, body["code"]), (400, 3002))
        self.assertEqual(self.req("POST", f"/sim/meetings/{m['id']}/end", {})[0], 200)
        self.assertEqual(self.req("DELETE", f"/v2/meetings/{m['id']}")[0], 204)
        status, _, body = self.req("GET", f"/v2/meetings/{m['id']}")
        self.assertEqual((status, body), (404, {"code": 3001,
                                                "message": f"Meeting {m['id']} is not found or has expired."}))
        self.assertEqual(self.req("DELETE", f"/v2/meetings/{m['id']}")[0], 404)
        status, _, body = self.req("POST", "/v2/users/nobody@example.com/meetings", {"topic": "x"})
        self.assertEqual((status, body["code"]), (404, 1001))

    def test_list_meetings(self):
        self.sim()
        self.login()
        host = self.create_user("host@example.com")["id"]
        ids = [self.create_meeting(host, start_time=f"2026-12-0{d}T10:00:00Z")["id"] for d in (3, 1, 2)]
        status, h, page = self.req("GET", f"/v2/users/{host}/meetings?page_size=2")
        self.assertEqual((status, page["total_records"], h["x-ratelimit-category"]), (200, 3, "Medium"))
        got = [m["id"] for m in page["meetings"]]
        page = self.req("GET", f"/v2/users/{host}/meetings?page_size=2&next_page_token={page['next_page_token']}")[2]
        got += [m["id"] for m in page["meetings"]]
        self.assertEqual(got, [ids[1], ids[2], ids[0]])  # by start time
        self.req("POST", f"/sim/meetings/{ids[0]}/start", {})
        live = self.req("GET", f"/v2/users/{host}/meetings?type=live")[2]["meetings"]
        self.assertEqual([m["id"] for m in live], [ids[0]])

    def test_uuids_that_need_double_encoding(self):
        self.sim()
        self.login()
        host = self.create_user("host@example.com")["id"]
        uuids = [self.create_meeting(host)["uuid"] for _ in range(14)]
        self.assertTrue(any(u.startswith("/") for u in uuids), uuids)
        self.assertTrue(any("//" in u for u in uuids), uuids)

    def test_daily_meeting_limit(self):
        self.sim("--daily-meeting-limit", "3")
        self.login()
        host = self.create_user("host@example.com")["id"]
        other = self.create_user("other@example.com")["id"]
        ms = [self.create_meeting(host) for _ in range(2)]
        self.assertEqual(self.req("PATCH", f"/v2/meetings/{ms[0]['id']}", {"topic": "moved"})[0], 204)
        status, h, body = self.req("POST", f"/v2/users/{host}/meetings", {"topic": "one too many"})
        self.assertEqual(status, 429)
        self.assertEqual(body, {"code": 429, "message": "You have exceeded the daily rate limit (3) of Meeting "
                                "Create/Update API requests permitted for this particular user. You may resume "
                                "these requests at GMT 00:00:00."})
        self.assertEqual(h["x-ratelimit-type"], "Daily-limit")
        tomorrow = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
        self.assertEqual(h["retry-after"], tomorrow)
        self.assertEqual(self.req("PATCH", f"/v2/meetings/{ms[1]['id']}", {"topic": "x"})[0], 429)
        self.create_meeting(other)  # the quota is per host


class FaultsTest(SimTest):
    def test_injected_429_and_5xx_rates(self):
        self.sim("--seed", "7")
        self.login()
        status, _, f = self.req("POST", "/sim/faults", {"rate_429": 0.3, "rate_5xx": 0.2, "retry_after": "2"})
        self.assertEqual((status, f["rate_429"], f["rate_5xx"]), (200, 0.3, 0.2))
        counts = {}
        for _ in range(300):
            status, h, body = self.req("GET", "/v2/users")
            counts[status] = counts.get(status, 0) + 1
            if status == 429:
                self.assertEqual(h["retry-after"], "2")
                self.assertEqual(body["code"], 429)
                self.assertIn("per-second rate limit", body["message"])
            elif status >= 500:
                self.assertIn(body["code"], (500, 503))
                self.assertIn("x-zm-trackingid", h)
        self.assertTrue(60 <= counts.get(429, 0) <= 120, counts)
        self.assertTrue(30 <= counts.get(500, 0) + counts.get(503, 0) <= 90, counts)
        self.assertTrue(counts.get(500, 0) > 0 and counts.get(503, 0) > 0, counts)
        self.assertEqual(self.state()["counters"]["fault_429"], counts[429])
        # Faults never touch /sim or /oauth.
        self.assertEqual(self.get_token()[0], 200)
        self.req("POST", "/sim/faults", {"rate_429": 0, "rate_5xx": 0})
        self.assertEqual(self.req("GET", "/v2/users")[0], 200)
        status, _, body = self.req("POST", "/sim/faults", {"rate_429": 2})
        self.assertEqual(status, 400)

    def test_drop_and_latency(self):
        self.sim("--drop-rate", "1")
        self.login()
        with self.assertRaises(OSError):
            self.req("GET", "/v2/users")
        log = self.req("GET", "/sim/requests?prefix=/v2")[2]["requests"]
        self.assertEqual((log[-1]["status"], log[-1]["fault"]), (0, "drop"))
        self.req("POST", "/sim/faults", {"drop_rate": 0, "latency_ms": 300})
        t = time.monotonic()
        self.assertEqual(self.req("GET", "/v2/users")[0], 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.29)
        self.assertEqual(self.req("GET", "/sim/faults")[2]["latency_ms"], 300)

    def test_drop_after_acting(self):
        self.sim("--drop-after-rate", "1")
        self.login()
        with self.assertRaises(OSError):
            self.req("POST", "/v2/users", {"action": "custCreate", "user_info": {"email": "ghost@example.com",
                                                                                "type": 1}})
        self.req("POST", "/sim/faults", {"drop_after_rate": 0})
        status, _, body = self.req("GET", "/v2/users/ghost@example.com")
        self.assertEqual(status, 200, body)  # the create went through although no answer came
        log = self.req("GET", "/sim/requests?prefix=/v2")[2]["requests"]
        self.assertEqual((log[0]["path"], log[0]["status"], log[0]["fault"]), ("/v2/users", 0, "drop_after"))

    def test_enforced_per_second_limits(self):
        self.sim("--enforce-rate-limits")
        self.login()
        self.assertTrue(self.req("GET", "/sim/faults")[2]["enforce_qps"])
        # Light is 30/s: a burst of 45 from threads sees some 429s with Retry-After 1. zoomsim counts
        # per wall-clock second, so the burst starts just after a second begins (a burst split across
        # two seconds could stay under 30 in each); on a machine too loaded to send 31 requests within
        # one second, the burst is tried again.
        for _ in range(5):
            results = []

            def hit():
                results.append(self.req("GET", "/v2/users/nobody@example.com")[:2])

            threads = [threading.Thread(target=hit) for _ in range(45)]
            time.sleep(1.02 - time.time() % 1.0)
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            limited = [h for status, h in results if status == 429]
            self.assertTrue(all(h["retry-after"] == "1" and h["x-ratelimit-type"] == "QPS" for h in limited))
            self.assertTrue(all(status in (404, 429) for status, _ in results), [s for s, _ in results])
            if limited:
                break
        self.assertTrue(limited, [s for s, _ in results])
        self.assertLessEqual(len(results) - len(limited), 60)  # at most two seconds' worth got through
        time.sleep(1.1)
        self.assertEqual(self.req("GET", "/v2/users/nobody@example.com")[0], 404)

    def test_second_emulator_cannot_take_the_port(self):
        self.sim()
        port = self.base.rsplit(":", 1)[1]
        p = subprocess.run([ZOOMSIM, "--listen", f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot listen", p.stderr)

    def test_request_log_has_no_secrets(self):
        self.sim()
        self.login()
        self.create_user("x@example.com")
        self.get_token(secret="wrong-secret-value")
        status, _, raw = http("GET", self.base + "/sim/requests")
        self.assertEqual(status, 200)
        text = raw.decode()
        for secret in (CREDS["ZOOM_CLIENT_SECRET"], "wrong-secret-value", self.token, SECRET):
            self.assertNotIn(secret, text)
        log = [e for e in json.loads(text)["requests"] if not e["path"].startswith("/sim/")]
        self.assertEqual([(e["method"], e["path"], e["status"]) for e in log[:3]],
                         [("POST", "/oauth/token", 200), ("POST", "/v2/users", 201), ("POST", "/oauth/token", 400)])
        self.assertEqual(self.req("POST", "/sim/reset")[0], 204)
        st = self.state()
        self.assertEqual((st["users"], st["tokens_issued"]), ([], 0))


class WebhookTest(SimTest):
    def live_meeting(self):
        self.login()
        host = self.create_user("host@example.com")["id"]
        return self.create_meeting(host, topic="Physics")

    def check_signature(self, r):
        ts = r["headers"]["x-zm-request-timestamp"]
        expected = "v0=" + hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + r["body"], hashlib.sha256).hexdigest()
        self.assertEqual(r["headers"]["x-zm-signature"], expected)
        self.assertLess(abs(int(ts) - time.time()), 30)

    def test_delivery_shape_and_signature(self):
        rec = self.receiver()
        self.sim("--webhook-url", rec.url)
        m = self.live_meeting()
        mid = m["id"]
        self.req("POST", f"/sim/meetings/{mid}/start", {"at": "2026-12-01T10:00:00Z"})
        j = self.req("POST", f"/sim/meetings/{mid}/join", {"name": "Zoë Learner", "email": "zoe@example.com",
                                                           "customer_key": "42", "at": "2026-12-01T10:01:00Z"})[2]
        self.assertEqual(set(j), {"participant_uuid", "user_id", "join_time"})
        self.req("POST", f"/sim/meetings/{mid}/leave", {"participant_uuid": j["participant_uuid"],
                                                         "at": "2026-12-01T10:31:00Z"})
        j2 = self.req("POST", f"/sim/meetings/{mid}/join", {"name": "Zoë Learner", "email": "zoe@example.com",
                                                            "customer_key": "42", "at": "2026-12-01T10:35:00Z"})[2]
        self.assertNotEqual(j["user_id"], j2["user_id"])
        self.assertNotEqual(j["participant_uuid"], j2["participant_uuid"])
        self.req("POST", f"/sim/meetings/{mid}/end", {"at": "2026-12-01T11:00:00Z"})
        self.wait_drained()
        names = [e["event"] for e in rec.events()]
        self.assertEqual(names, ["meeting.started", "meeting.participant_joined", "meeting.participant_left",
                                 "meeting.participant_joined", "meeting.participant_left", "meeting.ended"])
        for r in rec.requests:
            self.check_signature(r)
            h = r["headers"]
            self.assertEqual(h["content-type"], "application/json; charset=utf-8")
            self.assertEqual(h["user-agent"], "Zoom Marketplace/1.0a")
            self.assertIn("x-zm-request-id", h)
            self.assertIn("x-zm-trackingid", h)
            body = r["body"].decode()
            self.assertEqual(body, json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False))
        started, joined, left = rec.events()[0], rec.events()[1], rec.events()[2]
        self.assertEqual(list(started), ["event", "event_ts", "payload"])
        self.assertGreater(started["event_ts"], 10 ** 12)
        self.assertEqual(started["payload"]["account_id"], CREDS["ZOOM_ACCOUNT_ID"])
        obj = started["payload"]["object"]
        self.assertEqual(obj["id"], str(mid))
        self.assertEqual((obj["uuid"], obj["host_id"], obj["topic"], obj["type"], obj["start_time"], obj["duration"]),
                         (m["uuid"], m["host_id"], "Physics", 2, "2026-12-01T10:00:00Z", 60))
        p = joined["payload"]["object"]["participant"]
        self.assertEqual((p["user_name"], p["email"], p["customer_key"], p["join_time"], p["user_id"],
                          p["participant_uuid"]),
                         ("Zoë Learner", "zoe@example.com", "42", "2026-12-01T10:01:00Z", j["user_id"],
                          j["participant_uuid"]))
        for k in ("id", "registrant_id", "participant_user_id"):
            self.assertIn(k, p)
        p = left["payload"]["object"]["participant"]
        self.assertEqual((p["leave_time"], p["user_id"]), ("2026-12-01T10:31:00Z", j["user_id"]))
        self.assertIn("leave_reason", p)
        last_left = rec.events("meeting.participant_left")[-1]["payload"]["object"]["participant"]
        self.assertEqual(last_left["leave_time"], "2026-12-01T11:00:00Z")  # closed by the end
        self.assertIn("Host ended the meeting", last_left["leave_reason"])
        ended = rec.events("meeting.ended")[0]["payload"]["object"]
        self.assertEqual(ended["end_time"], "2026-12-01T11:00:00Z")
        deliveries = self.req("GET", "/sim/webhooks")[2]["deliveries"]
        self.assertTrue(all(d["outcome"] == "delivered" and len(d["attempts"]) == 1 for d in deliveries))

        # Participants of the ended instance: by meeting id and by (double-encoded) uuid.
        status, _, rep = self.req("GET", f"/v2/report/meetings/{mid}/participants?page_size=1")
        self.assertEqual((status, rep["total_records"], len(rep["participants"])), (200, 2, 1))
        first = rep["participants"][0]
        self.assertEqual((first["user_email"], first["join_time"], first["leave_time"], first["duration"],
                          first["customer_key"], first["user_id"]),
                         ("zoe@example.com", "2026-12-01T10:01:00Z", "2026-12-01T10:31:00Z", 1800, "42", j["user_id"]))
        status, _, rep2 = self.req("GET", f"/v2/report/meetings/{mid}/participants?page_size=1&next_page_token="
                                   + rep["next_page_token"])
        self.assertEqual((rep2["participants"][0]["duration"], rep2["next_page_token"]), (1500, ""))
        double = urllib.parse.quote(urllib.parse.quote(m["uuid"], safe=""), safe="")
        status, _, past = self.req("GET", f"/v2/past_meetings/{double}/participants")
        self.assertEqual((status, past["total_records"]), (200, 2))
        status, _, body = self.req("GET", "/v2/past_meetings/nope/participants")
        self.assertEqual((status, body["code"]), (404, 3001))

    def test_retry_after_5xx_at_sped_up_intervals(self):
        rec = self.receiver(statuses=[500, 503, 200, 404])
        # At speed 300 the retries come 1 s and 4 s apart: room for a loaded machine's delays while
        # the first interval still cannot be mistaken for the second.
        self.sim("--webhook-url", rec.url, "--speed", "300")
        m = self.live_meeting()
        self.req("POST", f"/sim/meetings/{m['id']}/start", {})
        self.wait_drained()
        times = [r["time"] for r in rec.requests]
        self.assertEqual(len(times), 3)
        self.assertGreaterEqual(times[1] - times[0], 0.95)  # +5 min / 300
        self.assertLess(times[1] - times[0], 3.0)
        self.assertGreaterEqual(times[2] - times[1], 3.95)  # +20 min / 300
        self.assertEqual(len({r["body"] for r in rec.requests}), 1)
        d = self.req("GET", "/sim/webhooks")[2]["deliveries"][0]
        self.assertEqual(([a["status"] for a in d["attempts"]], d["outcome"]), ([500, 503, 200], "delivered"))
        # 4xx is final.
        self.req("POST", f"/sim/meetings/{m['id']}/end", {})
        self.wait_drained()
        d = self.req("GET", "/sim/webhooks?event=meeting.ended")[2]["deliveries"][0]
        self.assertEqual(([a["status"] for a in d["attempts"]], d["outcome"]), ([404], "rejected"))

    def test_slow_endpoint_counts_as_failure_and_is_retried(self):
        rec = self.receiver(delays=[3.6])
        self.sim("--webhook-url", rec.url, "--speed", "3000")
        m = self.live_meeting()
        self.req("POST", f"/sim/meetings/{m['id']}/start", {})
        self.wait_drained(timeout=30)
        d = self.req("GET", "/sim/webhooks?limit=1")[2]["deliveries"][0]
        self.assertEqual(([a["status"] for a in d["attempts"]], d["outcome"]), ([0, 200], "delivered"))
        self.assertGreaterEqual(d["attempts"][0]["ms"], 2900)
        self.assertEqual(len(rec.requests), 2)  # the slow one arrived too: the receiver sees it twice

    def test_drop_after_three_retries_and_network_errors(self):
        self.sim("--webhook-url", f"http://127.0.0.1:{self.refusing_port()}/nobody", "--speed", "36000")
        m = self.live_meeting()
        self.req("POST", f"/sim/meetings/{m['id']}/start", {})
        self.wait_drained()
        d = self.req("GET", "/sim/webhooks")[2]["deliveries"][0]
        self.assertEqual((len(d["attempts"]), d["outcome"]), (4, "dropped"))
        self.assertTrue(all(a["status"] == 0 and a["error"] for a in d["attempts"]))

    def test_duplicates(self):
        rec = self.receiver()
        self.sim("--webhook-url", rec.url)
        self.req("POST", "/sim/webhooks/config", {"duplicate_rate": 1.0})
        m = self.live_meeting()
        self.req("POST", f"/sim/meetings/{m['id']}/start", {})
        self.req("POST", f"/sim/meetings/{m['id']}/end", {})
        self.wait_drained()
        self.assertEqual(len(rec.requests), 4)
        bodies = [r["body"] for r in rec.requests]
        self.assertEqual(len(set(bodies)), 2)
        for b in set(bodies):
            self.assertEqual(bodies.count(b), 2)
        dups = self.req("GET", "/sim/webhooks")[2]["deliveries"]
        self.assertEqual(sum(1 for d in dups if d["duplicate_of"]), 2)

    def test_reorder_and_delay(self):
        rec = self.receiver()
        self.sim("--webhook-url", rec.url, "--seed", "3")
        # A hold time far beyond the test: the first six events are one window however slowly this
        # machine sends them (a partial window sent after the default 0.5 s may keep its order).
        self.req("POST", "/sim/webhooks/config", {"reorder": 6, "reorder_hold_ms": 600000, "delay_ms": [0, 50]})
        m = self.live_meeting()
        mid = m["id"]
        self.req("POST", f"/sim/meetings/{mid}/start", {})
        ps = [self.req("POST", f"/sim/meetings/{mid}/join", {"name": f"P{i}"})[2]["participant_uuid"]
              for i in range(5)]
        self.req("POST", f"/sim/meetings/{mid}/leave", {"participant_uuid": ps[0]})
        # The seventh event waits in a partial window: a hold time of 0 sends it.
        self.req("POST", "/sim/webhooks/config", {"reorder_hold_ms": 0})
        self.wait_drained()
        got = rec.events()
        self.assertEqual(len(got), 7)
        order = [e["event"] for e in got]
        self.assertNotEqual(order, ["meeting.started"] + ["meeting.participant_joined"] * 5
                            + ["meeting.participant_left"])

    def test_url_validation(self):
        rec = self.receiver()
        self.sim()
        self.assertEqual(self.req("POST", "/sim/webhook-url", {"url": rec.url})[2]["url"], rec.url)
        status, _, res = self.req("POST", "/sim/webhooks/validate", {})
        self.assertEqual((status, res["ok"], res["status"]), (200, True, 200))
        ev = rec.events()[0]
        self.assertEqual(ev["event"], "endpoint.url_validation")
        self.assertEqual(ev["payload"]["plainToken"], res["plainToken"])
        self.check_signature(rec.requests[0])
        bad = self.receiver(wrong_validation=True)
        self.req("POST", "/sim/webhook-url", {"url": bad.url})
        self.assertFalse(self.req("POST", "/sim/webhooks/validate", {})[2]["ok"])
        vals = self.req("GET", "/sim/webhooks?event=endpoint.url_validation")[2]["deliveries"]
        self.assertEqual([v["validation_ok"] for v in vals], [True, False])


class ScenarioTest(SimTest):
    def load_class40(self):
        with open(os.path.join(SOURCE_DIR, "sim", "scenarios", "class40.json"), encoding="utf-8") as f:
            return json.load(f)

    def test_class40_replay_delivers_every_event_with_exact_times(self):
        rec = self.receiver()
        self.sim("--webhook-url", rec.url)
        self.login()
        host = self.create_user("instructor@example.com")["id"]
        m = self.create_meeting(host)
        sc = self.load_class40()
        sc["meeting_id"] = m["id"]
        sc["speed"] = 7200  # one hour in half a second
        status, _, res = self.req("POST", "/sim/scenario", sc)
        self.assertEqual(status, 200, res)
        self.assertTrue(res["expected_matches_file"])
        self.assertEqual(res["meeting_id"], m["id"])
        deadline = time.time() + 30
        while self.req("GET", "/sim/scenario")[2]["state"] != "done":
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        self.assertEqual(self.req("GET", "/sim/scenario")[2]["errors"], [])
        self.wait_drained()

        sessions = sum(len(p["sessions"]) for p in sc["people"])
        self.assertEqual(len(rec.events("meeting.started")), 1)
        self.assertEqual(len(rec.events("meeting.ended")), 1)
        self.assertEqual(len(rec.events("meeting.participant_joined")), sessions)
        self.assertEqual(len(rec.events("meeting.participant_left")), sessions)

        # Rebuild attendance from the payloads alone and compare with the file.
        start = datetime.strptime(res["start_time"], "%Y-%m-%dT%H:%M:%SZ")
        end = datetime.strptime(rec.events("meeting.ended")[0]["payload"]["object"]["end_time"],
                                "%Y-%m-%dT%H:%M:%SZ")
        self.assertEqual((end - start).total_seconds(), sc["expected"]["meeting_seconds"])
        joins, intervals = {}, {}
        for e in rec.events():
            p = e["payload"]["object"].get("participant")
            if not p:
                continue
            if e["event"] == "meeting.participant_joined":
                joins[p["participant_uuid"]] = (p["email"], datetime.strptime(p["join_time"], "%Y-%m-%dT%H:%M:%SZ"))
            else:
                email, t0 = joins[p["participant_uuid"]]
                t1 = min(datetime.strptime(p["leave_time"], "%Y-%m-%dT%H:%M:%SZ"), end)
                intervals.setdefault(email, []).append((max(t0, start), t1))
        for person in sc["expected"]["people"]:
            got = 0
            cur = None
            for a, b in sorted(intervals.get(person["email"], [])):
                if cur is None or a > cur[1]:
                    got += (cur[1] - cur[0]).total_seconds() if cur else 0
                    cur = [a, b]
                else:
                    cur[1] = max(cur[1], b)
            got += (cur[1] - cur[0]).total_seconds() if cur else 0
            self.assertEqual(got, person["seconds"], person["email"])

        # The participants report lists every join/leave cycle.
        total = 0
        token = ""
        while True:
            page = self.req("GET", f"/v2/report/meetings/{m['id']}/participants?page_size=30&next_page_token={token}")[2]
            total += len(page["participants"])
            token = page["next_page_token"]
            if not token:
                break
        self.assertEqual(total, sessions)

    def test_scenario_file_matches_generator_and_bad_input(self):
        gen = subprocess.run(["python3", os.path.join(SOURCE_DIR, "sim", "scenarios", "make_class40.py"),
                              os.path.join(self.dir, "c.json")], capture_output=True, text=True)
        self.assertEqual(gen.returncode, 0, gen.stderr)
        with open(os.path.join(self.dir, "c.json"), encoding="utf-8") as f:
            self.assertEqual(json.load(f), self.load_class40())
        self.sim()
        status, _, body = self.req("POST", "/sim/scenario", {"people": [{"name": "x", "sessions": [{"join": "soon"}]}]})
        self.assertEqual(status, 400)
        self.assertIn("people[0].sessions[0].join", body["message"])
        status, _, body = self.req("POST", "/sim/scenario", {"meeting_id": 12345678901, "people": []})
        self.assertEqual((status, body["code"]), (404, 3001))

    def test_scenario_applies_its_faults_and_delivery_options(self):
        rec = self.receiver()
        self.sim("--webhook-url", rec.url)
        sc = {"meeting": {"duration": 30}, "speed": 3600,
              "faults": {"rate_5xx": 1.0}, "delivery": {"duplicate_rate": 1.0},
              "people": [{"name": "A", "email": "a@example.com", "customer_key": "k1",
                          "sessions": [{"join": "+60s", "leave": "+1200s", "device": "laptop"},
                                       {"join": "+600s", "device": "phone"}]}]}
        status, _, res = self.req("POST", "/sim/scenario", sc)
        self.assertEqual(status, 200, res)
        self.assertEqual(res["expected"]["people"][0]["seconds"], 1740)  # union of [60,1200] and [600,1800]
        self.assertEqual(res["expected"]["meeting_seconds"], 1800)
        self.assertNotIn("expected_matches_file", res)
        deadline = time.time() + 20
        while self.req("GET", "/sim/scenario")[2]["state"] != "done":
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        self.wait_drained()
        self.assertEqual(len(rec.events()), 2 * 6)  # started, 2 joins, 2 leaves, ended; each twice
        self.assertEqual(self.req("GET", "/sim/faults")[2]["rate_5xx"], 1.0)
        self.login()
        self.assertIn(self.req("GET", "/v2/users")[0], (500, 503))

    def test_scenario_from_command_line_creates_its_meeting(self):
        rec = self.receiver()
        path = os.path.join(self.dir, "small.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"meeting": {"topic": "Tiny", "duration": 10, "start_time": "2026-12-01T09:00:00Z"},
                       "speed": 6000, "late_leaves": True,
                       "people": [{"name": "A", "email": "a@example.com",
                                   "sessions": [{"join": "+0s", "leave": "+700s"}]},
                                  {"name": "B", "email": "b@example.com", "sessions": [{"join": "+1m"}]}]}, f)
        self.sim("--webhook-url", rec.url, "--scenario", path)
        deadline = time.time() + 20
        while self.req("GET", "/sim/scenario")[2].get("state") != "done":
            self.assertLess(time.time(), deadline)
            time.sleep(0.05)
        self.wait_drained()
        names = [e["event"] for e in rec.events()]
        # late_leaves: A's leave after the end is sent at its own time; B is never closed.
        self.assertEqual(names, ["meeting.started", "meeting.participant_joined", "meeting.participant_joined",
                                 "meeting.ended", "meeting.participant_left"])
        self.assertEqual(rec.events("meeting.participant_left")[0]["payload"]["object"]["participant"]["leave_time"],
                         "2026-12-01T09:11:40Z")


if __name__ == "__main__":
    unittest.main()
