"""Joining inside the platform (issue 6): Meeting SDK signatures, access links, the
pages' JSON API and the static pages, driven through the real zoomctl, zoomctld and
zoomsim on a real SQLite file. Every 401/403 path is exercised; JWT claims are
decoded and their HMAC recomputed here with the standard library, independently of
the C++ code."""
import base64
import datetime
import hashlib
import hmac
import http.client as httpclient
import json
import os
import sqlite3
import unittest
import urllib.parse

from harness import CREDS, ZOOMCTLD, Scratch, free_port, http

LINK_SECRET = "link-secret-for-tests-0123456789"


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def make_token(uid, exp, secret=LINK_SECRET, sid=None):
    payload = {"uid": uid, "exp": exp}
    if sid is not None:
        payload["sid"] = sid
    payload["v"] = 1
    body = b64url(json.dumps(payload, separators=(",", ":")).encode())
    mac = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return body + "." + b64url(mac)


def check_jwt(test, jwt, secret):
    """Verifies the JWT's HS256 MAC with `secret` and returns (header, payload)."""
    parts = jwt.split(".")
    test.assertEqual(len(parts), 3)
    mac = hmac.new(secret.encode(), (parts[0] + "." + parts[1]).encode(), hashlib.sha256).digest()
    test.assertEqual(b64url(mac), parts[2], "JWT signature must verify with the SDK secret")
    header = json.loads(b64url_decode(parts[0]))
    payload = json.loads(b64url_decode(parts[1]))
    test.assertEqual(header, {"alg": "HS256", "typ": "JWT"})
    test.assertEqual(list(payload.keys()), ["appKey", "sdkKey", "mn", "role", "iat", "exp", "tokenExp"])
    return header, payload


class JoinWorld(Scratch):
    """Two cohorts, two instructors, one learner in each cohort, one session each,
    scheduled in zoomsim; zoomctld with links on and the clock fixed 14 minutes
    before session 1 starts."""

    def setUp(self):
        super().setUp()
        self.start_sim()
        self.env["ZOOMCTL_LINK_SECRET"] = LINK_SECRET
        self.real_now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.s1_start = self.real_now + datetime.timedelta(hours=2)
        self.s2_start = self.real_now + datetime.timedelta(hours=3)
        self.ok("user", "add", "ins1@example.org", "--name", "Ines One", "--role", "instructor")
        self.ok("user", "add", "ins2@example.org", "--name", "Ivan Two", "--role", "instructor")
        self.ok("user", "add", "lea1@example.org", "--name", "Lea One", "--role", "learner")
        self.ok("user", "add", "lea2@example.org", "--name", "Leo Two", "--role", "learner")
        self.ok("cohort", "add", "Alpha")
        self.ok("cohort", "add", "Beta")
        self.ok("cohort", "enroll", "Alpha", "lea1@example.org")
        self.ok("cohort", "enroll", "Beta", "lea2@example.org")
        s1 = self.ok("--json", "session", "schedule", "--cohort", "Alpha", "--instructor", "ins1@example.org",
                     "--start", iso(self.s1_start), "--duration", "60", "--topic", "Alpha live").json()
        s2 = self.ok("--json", "session", "schedule", "--cohort", "Beta", "--instructor", "ins2@example.org",
                     "--start", iso(self.s2_start), "--duration", "60", "--topic", "Beta live").json()
        s1 = s1.get("session", s1)
        s2 = s2.get("session", s2)
        self.s1, self.s2 = s1["id"], s2["id"]
        self.mn1 = str(self.sql("SELECT zoom_meeting_id FROM sessions WHERE id = ?", (self.s1,))[0][0])
        self.uid = {email: i for i, email in self.sql("SELECT id, email FROM users")}
        self.web = os.path.join(self.dir, "web")
        os.makedirs(os.path.join(self.web, "assets", "zoom-sdk", "6.2.0"))
        for page in ("instructor-sessions", "join", "my-courses", "attendance"):
            with open(os.path.join(self.web, page + ".html"), "w") as f:
                f.write(f"<!doctype html><title>{page}</title>")
        with open(os.path.join(self.web, "assets", "join-nn8s5bB4.js"), "w") as f:
            f.write("console.log('join');")
        with open(os.path.join(self.web, "assets", "plain.css"), "w") as f:
            f.write("body{}")
        with open(os.path.join(self.web, "assets", "zoom-sdk", "6.2.0", "audio.wasm"), "wb") as f:
            f.write(b"\0asm")
        with open(os.path.join(self.dir, "secret.txt"), "w") as f:
            f.write("TOP SECRET")
        os.symlink(os.path.join(self.dir, "secret.txt"), os.path.join(self.web, "assets", "escape.txt"))
        self.fake_now = self.s1_start - datetime.timedelta(minutes=14)
        self.daemon(self.fake_now)

    def daemon(self, fake_now, env=None):
        """(Re)starts zoomctld with its clock fixed at `fake_now`; links point at it."""
        for p in self.procs[1:]:
            p.terminate()
            p.wait(timeout=5)
        e = {"ZOOMCTL_TEST_MODE": "1", "ZOOMCTL_FAKE_NOW": iso(fake_now), "ZOOMCTL_WEB_ROOT": self.web}
        e.update(env or {})
        url = self.start_daemon(env=e)
        self.env["ZOOMCTL_PUBLIC_URL"] = url
        return url

    def link(self, who, *args):
        r = self.ok("--json", "link", who, *args).json()
        q = urllib.parse.parse_qs(urllib.parse.urlparse(r["url"]).query)
        return q["token"][0]

    def api(self, method, path, token=None, body=None, headers=None):
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        status, hdrs, raw = http(method, self.daemon_url + path, body=body, headers=h)
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw
        return status, hdrs, data, raw

    def sig(self, token, **body):
        return self.api("POST", "/api/signature", token, body)

    def set_status(self, sid, status):
        self.sql_exec("UPDATE sessions SET status = ? WHERE id = ?", (status, sid))

    def sql_exec(self, q, params=()):
        con = sqlite3.connect(self.db)
        try:
            con.execute(q, params)
            con.commit()
        finally:
            con.close()


class Unauthenticated(JoinWorld):
    def assert_401(self, status, hdrs, data):
        self.assertEqual(status, 401, data)
        self.assertIn("ask for a new link", data["error"])
        self.assertEqual(data["action"], "ask for a new link")
        self.assertEqual(hdrs.get("www-authenticate"), "Bearer")

    def every_route(self, token, headers=None, query=""):
        for method, path, body in (("GET", "/api/me", None), ("GET", "/api/me/sessions", None),
                                   ("GET", f"/api/sessions/{self.s1}", None),
                                   ("POST", "/api/signature", {"sessionId": self.s1, "role": 0})):
            with self.subTest(method=method, path=path):
                status, hdrs, data, _ = self.api(method, path + query, token, body, headers)
                self.assert_401(status, hdrs, data)

    def test_no_token(self):
        self.every_route(None)

    def test_query_token_is_not_accepted_by_the_api(self):
        good = self.link("lea1@example.org")
        self.every_route(None, query="?token=" + urllib.parse.quote(good))
        self.every_route(None, headers={"Cookie": "token=" + good})

    def test_forged_tokens(self):
        good = self.link("lea1@example.org")
        body, mac = good.split(".")
        # Another secret, another user with the old MAC, a longer expiry with the old MAC, garbage.
        forged = [make_token(self.uid["lea1@example.org"], 2_000_000_000, secret="not-the-server-secret-000"),
                  make_token(self.uid["ins1@example.org"], 2_000_000_000).split(".")[0] + "." + mac,
                  b64url(json.dumps({"uid": self.uid["lea1@example.org"], "exp": 4_000_000_000, "v": 1},
                                    separators=(",", ":")).encode()) + "." + mac,
                  "garbage", body, good + "x", "." + mac]
        for t in forged:
            with self.subTest(token=t[:30]):
                status, hdrs, data, _ = self.api("GET", "/api/me", t)
                self.assert_401(status, hdrs, data)
        # A token made here with the server's secret in the documented format is accepted:
        # the format is what the man page says, not an accident of the C++ code.
        status, _, data, _ = self.api("GET", "/api/me", make_token(self.uid["lea1@example.org"], 4_000_000_000))
        self.assertEqual(status, 200, data)
        self.assertEqual(data["email"], "lea1@example.org")

    def test_expired_token(self):
        # Valid for one minute of real time; the daemon's clock is 1h46m ahead.
        t = self.link("lea1@example.org", "--ttl", "1m")
        status, hdrs, data, _ = self.api("GET", "/api/me", t)
        self.assert_401(status, hdrs, data)
        self.assertIn("expired", data["error"])
        self.every_route(t)

    def test_token_of_a_deleted_user(self):
        self.ok("user", "add", "gone@example.org", "--name", "Gone", "--role", "learner")
        t = self.link("gone@example.org")
        self.assertEqual(self.api("GET", "/api/me", t)[0], 200)
        self.sql_exec("DELETE FROM users WHERE email = 'gone@example.org'")
        status, hdrs, data, _ = self.api("GET", "/api/me", t)
        self.assert_401(status, hdrs, data)
        self.assertIn("no longer", data["error"])

    def test_revoked_links_are_refused_and_new_ones_work(self):
        # A leaked instructor link starts the class until it expires: --revoke ends every earlier link.
        old_home = self.link("ins1@example.org")
        old_join = self.link("ins1@example.org", "--session", str(self.s1))
        other = self.link("ins2@example.org")
        self.assertEqual(self.sig(old_join, sessionId=self.s1, role=1)[0], 200)
        before = self.snapshot()
        r = self.ok("--json", "link", "ins1@example.org", "--revoke")
        self.assertEqual(r.json()["user"]["email"], "ins1@example.org")
        self.assertEqual(r.json()["link_generation"], 1)
        self.assertEqual(self.sql("SELECT link_generation FROM users WHERE email = 'ins1@example.org'")[0][0], 1)
        audit = self.sql("SELECT action, entity, entity_id, before_json, after_json FROM audit_log WHERE action = 'link.revoke'")
        self.assertEqual(len(audit), 1)
        self.assertEqual(audit[0][:3], ("link.revoke", "user", str(self.uid["ins1@example.org"])))
        self.assertEqual((json.loads(audit[0][3]), json.loads(audit[0][4])),
                         ({"link_generation": 0}, {"link_generation": 1}))
        self.assertNotEqual(before["users"], self.snapshot()["users"])
        for t in (old_home, old_join):
            status, hdrs, data, _ = self.api("GET", "/api/me", t)
            self.assert_401(status, hdrs, data)
            self.assertIn("revoked", data["error"])
            self.every_route(t)
        status, _, data, _ = self.sig(old_join, sessionId=self.s1, role=1)
        self.assertEqual(status, 401, data)
        # Other people's links are untouched; a link made after the revocation works.
        self.assertEqual(self.api("GET", "/api/me", other)[0], 200)
        fresh = self.link("ins1@example.org", "--session", str(self.s1))
        self.assertEqual(self.api("GET", "/api/me", fresh)[0], 200)
        self.assertEqual(self.sig(fresh, sessionId=self.s1, role=1)[0], 200)
        # A second revocation ends that one too.
        self.ok("link", "ins1@example.org", "--revoke")
        self.assertEqual(self.api("GET", "/api/me", fresh)[0], 401)

    def test_revoke_refusals_change_nothing(self):
        before = self.snapshot()
        r = self.zoomctl("link", "nobody@example.org", "--revoke")
        self.assertNotEqual(r.code, 0, repr(r))
        self.assertIn("nobody@example.org", r.err)
        r = self.zoomctl("link", "ins1@example.org", "--revoke", "--ttl", "1h")
        self.assertEqual(r.code, 2, repr(r))
        self.assertIn("--ttl", r.err)
        self.assertEqual(before, self.snapshot())


class Forbidden(JoinWorld):
    def test_learner_asking_for_host(self):
        lea1 = self.link("lea1@example.org")
        before = self.snapshot()
        status, _, data, _ = self.sig(lea1, sessionId=self.s1, role=1)
        self.assertEqual(status, 403, data)
        self.assertIn("instructor", data["error"])
        status, _, data, _ = self.sig(lea1, meetingNumber=self.mn1, role="1")
        self.assertEqual(status, 403, data)
        self.assertEqual(self.snapshot(), before)

    def test_learner_of_another_cohort(self):
        lea2 = self.link("lea2@example.org")
        self.set_status(self.s1, "IN_PROGRESS")
        status, _, data, _ = self.sig(lea2, sessionId=self.s1, role=0)
        self.assertEqual(status, 403, data)
        self.assertIn("not enrolled", data["error"])
        self.assertEqual(self.api("GET", f"/api/sessions/{self.s1}", lea2)[0], 403)
        ids = [s["id"] for s in self.api("GET", "/api/me/sessions", lea2)[2]["sessions"]]
        self.assertEqual(ids, [self.s2])

    def test_instructor_of_another_session(self):
        ins2 = self.link("ins2@example.org")
        for role in (0, 1):
            status, _, data, _ = self.sig(ins2, sessionId=self.s1, role=role)
            self.assertEqual(status, 403, data)
        self.assertEqual(self.api("GET", f"/api/sessions/{self.s1}", ins2)[0], 403)
        # ... nor its attendance (learners neither); its own instructor may.
        for who in ("ins2@example.org", "lea1@example.org"):
            t = self.link(who)
            self.assertEqual(self.api("GET", f"/api/sessions/{self.s1}/attendance", t)[0], 403, who)
            self.assertEqual(self.api("GET", f"/api/sessions/{self.s1}/attendance.csv", t)[0], 403, who)
            status, _, _, _ = self.api("POST", f"/api/sessions/{self.s1}/attendance/{self.uid['lea1@example.org']}",
                                       t, {"present": True, "reason": "was there"})
            self.assertEqual(status, 403, who)

    def test_unknown_session(self):
        ins1 = self.link("ins1@example.org")
        status, _, data, _ = self.api("GET", "/api/sessions/9999", ins1)
        self.assertEqual(status, 404, data)
        self.assertEqual(self.sig(ins1, sessionId=9999, role=1)[0], 404)
        self.assertEqual(self.sig(ins1, meetingNumber="12345678901", role=1)[0], 404)
        self.assertEqual(self.api("GET", "/api/sessions/abc", ins1)[0], 400)

    def test_instructor_link_opens_attendance(self):
        ins1 = self.link("ins1@example.org", "--session", str(self.s1), "--page", "attendance")
        status, _, data, _ = self.api("GET", f"/api/sessions/{self.s1}/attendance", ins1)
        self.assertEqual(status, 200, data)
        status, hdrs, _, raw = self.api("GET", f"/api/sessions/{self.s1}/attendance.csv", ins1)
        self.assertEqual(status, 200)
        self.assertIn("text/csv", hdrs["content-type"])
        lea1 = self.uid["lea1@example.org"]
        status, _, data, _ = self.api("POST", f"/api/sessions/{self.s1}/attendance/{lea1}", ins1,
                                      {"present": True, "reason": "camera off but answered"})
        self.assertEqual(status, 200, data)
        rows = self.sql("SELECT present, actor FROM attendance_overrides WHERE session_id = ? AND user_id = ?",
                        (self.s1, lea1))
        self.assertEqual(rows, [(1, "ins1@example.org")])


class Signatures(JoinWorld):
    def test_instructor_gets_host_signature_with_zak(self):
        ins1 = self.link("ins1@example.org", "--session", str(self.s1))
        status, hdrs, data, raw = self.sig(ins1, sessionId=self.s1, role=1)
        self.assertEqual(status, 200, data)
        self.assertEqual(hdrs.get("cache-control"), "no-store")
        _, claims = check_jwt(self, data["signature"], CREDS["ZOOM_SDK_SECRET"])
        self.assertEqual(claims["appKey"], CREDS["ZOOM_SDK_KEY"])
        self.assertEqual(claims["sdkKey"], CREDS["ZOOM_SDK_KEY"])
        self.assertEqual(claims["mn"], self.mn1)
        self.assertEqual(claims["role"], 1)
        self.assertEqual(claims["iat"], int(self.fake_now.timestamp()))
        self.assertEqual(claims["exp"], claims["iat"] + 7200)
        self.assertEqual(claims["tokenExp"], claims["exp"])
        self.assertEqual(parse_iso(data["expiresAt"]).timestamp(), claims["exp"])
        self.assertEqual(data["sdkKey"], CREDS["ZOOM_SDK_KEY"])
        self.assertEqual(data["meetingNumber"], self.mn1)
        self.assertEqual(data["role"], 1)
        self.assertEqual(data["userName"], "Ines One")
        self.assertEqual(data["userEmail"], "ins1@example.org")
        self.assertEqual(data["customerKey"], str(self.uid["ins1@example.org"]))
        self.assertTrue(data["zak"])
        # The password is the meeting's, as Zoom (zoomsim) knows it; never a start URL.
        sim = json.loads(http("GET", self.sim_url + "/sim/state")[2])
        meeting = [m for m in sim["meetings"] if str(m["id"]) == self.mn1][0]
        self.assertTrue(data["password"])
        self.assertEqual(data["password"], meeting["password"])
        self.assertNotIn(b"start_url", raw)
        self.assertNotIn(b"zak=", raw)
        # ZAK asked of Zoom for the instructor's Zoom user.
        zoom_user = self.sql("SELECT zoom_user_id FROM users WHERE email = 'ins1@example.org'")[0][0]
        reqs = json.loads(http("GET", self.sim_url + "/sim/requests?prefix=/v2/users")[2])["requests"]
        self.assertTrue(any(r["path"] == f"/v2/users/{zoom_user}/token" for r in reqs), reqs)
        # Meeting number as a string or a number, ttl bounds as Zoom's sample has them.
        self.assertEqual(self.sig(ins1, meetingNumber=self.mn1, role=1)[0], 200)
        self.assertEqual(self.sig(ins1, meetingNumber=int(self.mn1), role="1", expirationSeconds=1800)[0], 200)
        metrics = http("GET", self.daemon_url + "/metrics")[2].decode()
        self.assertIn('zoomctld_signatures_total{role="1"} 3', metrics)
        # Neither the access token, the JWT nor the ZAK reaches the daemon's log.
        log = self.log("zoomctld")
        for secret in (ins1, data["signature"], data["zak"]):
            self.assertNotIn(secret, log)
        # The instructor may also join their own session as a participant.
        status, _, data, _ = self.sig(ins1, sessionId=self.s1, role=0)
        self.assertEqual(status, 200, data)
        self.assertNotIn("zak", data)

    def test_host_too_early_is_refused(self):
        ins2 = self.link("ins2@example.org")
        status, _, data, _ = self.sig(ins2, sessionId=self.s2, role=1)
        self.assertEqual(status, 409, data)
        self.assertIn("15 minutes", data["error"])
        self.daemon(self.s1_start - datetime.timedelta(minutes=16))
        ins1 = self.link("ins1@example.org")
        self.assertEqual(self.sig(ins1, sessionId=self.s1, role=1)[0], 409)

    def test_instructor_may_start_an_ended_class_again_for_an_hour(self):
        """A class ended by mistake: its instructor can start it again until an hour after it ended or
        was due to end, whichever is later; learners wait for the restart's meeting.started."""
        minutes = datetime.timedelta(minutes=1)
        s1_end = self.s1_start + 60 * minutes

        def ended_at(t):
            self.sql_exec("UPDATE sessions SET status = 'COMPLETED', actual_start = ?, actual_end = ? WHERE id = ?",
                          (iso(self.s1_start), iso(t), self.s1))

        def host_at(now):
            self.daemon(now)
            ins1 = self.link("ins1@example.org")
            card = next(c for c in self.api("GET", "/api/me/sessions", ins1)[2]["sessions"] if c["id"] == self.s1)
            status, _, data, _ = self.sig(ins1, sessionId=self.s1, role=1)
            self.assertEqual(card["can_start"], status == 200, (card, data))
            return status, data

        ended_at(self.s1_start + 10 * minutes)  # ten minutes in
        status, data = host_at(self.s1_start + 15 * minutes)
        self.assertEqual(status, 200, data)
        _, claims = check_jwt(self, data["signature"], CREDS["ZOOM_SDK_SECRET"])
        self.assertEqual(claims["role"], 1)
        self.assertTrue(data["zak"])
        lea1 = self.link("lea1@example.org", "--session", str(self.s1))
        status, _, data, _ = self.sig(lea1, sessionId=self.s1, role=0)
        self.assertEqual(status, 409, data)
        self.assertIn("over", data["error"])
        self.assertEqual(host_at(s1_end + 59 * minutes)[0], 200)
        status, data = host_at(s1_end + 61 * minutes)
        self.assertEqual(status, 409, data)
        self.assertIn("over", data["error"])
        # A class that ran over its time counts from when it really ended.
        ended_at(s1_end + 90 * minutes)
        self.assertEqual(host_at(s1_end + 140 * minutes)[0], 200)
        self.assertEqual(host_at(s1_end + 151 * minutes)[0], 409)
        # Cancelled stays closed.
        self.set_status(self.s1, "CANCELLED")
        self.assertEqual(host_at(s1_end + 100 * minutes)[0], 409)

    def test_learner_gets_participant_signature(self):
        lea1 = self.link("lea1@example.org", "--session", str(self.s1))
        status, _, data, _ = self.sig(lea1, sessionId=self.s1, role=0)
        self.assertEqual(status, 409, data)  # not started yet
        self.assertIn("not started", data["error"])
        self.set_status(self.s1, "IN_PROGRESS")
        status, _, data, raw = self.sig(lea1, sessionId=str(self.s1), role="0")
        self.assertEqual(status, 200, data)
        _, claims = check_jwt(self, data["signature"], CREDS["ZOOM_SDK_SECRET"])
        self.assertEqual(claims["role"], 0)
        self.assertEqual(claims["mn"], self.mn1)
        self.assertEqual(data["customerKey"], str(self.uid["lea1@example.org"]))
        self.assertEqual(data["userName"], "Lea One")
        self.assertEqual(data["userEmail"], "lea1@example.org")
        self.assertNotIn("zak", data)
        self.assertNotIn(b"start_url", raw)
        self.assertIn('zoomctld_signatures_total{role="0"} 1', http("GET", self.daemon_url + "/metrics")[2].decode())
        self.set_status(self.s1, "CANCELLED")
        self.assertEqual(self.sig(lea1, sessionId=self.s1, role=0)[0], 409)

    def test_bad_requests_are_400_with_zoom_style_errors(self):
        ins1 = self.link("ins1@example.org")
        before = self.snapshot()
        cases = [({"role": 0}, "meetingNumber"), ({"meetingNumber": self.mn1}, "role"),
                 ({"meetingNumber": "abc", "role": 0}, "meetingNumber"),
                 ({"meetingNumber": self.mn1, "role": 2}, "role"),
                 ({"sessionId": -4, "role": 0}, "sessionId"),
                 ({"sessionId": self.s1, "role": 1, "expirationSeconds": 60}, "expirationSeconds"),
                 ({"sessionId": self.s1, "role": 1, "expirationSeconds": 172801}, "expirationSeconds")]
        for body, prop in cases:
            with self.subTest(body=body):
                status, _, data, _ = self.sig(ins1, **body)
                self.assertEqual(status, 400, data)
                self.assertIn(prop, [e["property"] for e in data["errors"]])
                self.assertTrue(all(e["reason"] for e in data["errors"]))
        status, _, data, _ = self.api("POST", "/api/signature", ins1, "not json")
        self.assertEqual(status, 400)
        self.assertTrue(data["errors"])
        status, _, data, _ = self.sig(ins1, sessionId=self.s1, meetingNumber="12345678901", role=1)
        self.assertEqual(status, 400, data)
        self.assertEqual(self.snapshot(), before)

    def test_features_off_answer_503_naming_the_variable(self):
        self.daemon(self.fake_now, env={"ZOOM_SDK_SECRET": ""})
        t = self.link("ins1@example.org")
        status, _, data, _ = self.sig(t, sessionId=self.s1, role=1)
        self.assertEqual(status, 503, data)
        self.assertIn("ZOOM_SDK_SECRET", data["error"])
        self.daemon(self.fake_now, env={"ZOOMCTL_LINK_SECRET": ""})
        status, _, data, _ = self.api("GET", "/api/me", t)
        self.assertEqual(status, 503, data)
        self.assertEqual(data["variable"], "ZOOMCTL_LINK_SECRET")

    def test_operator_signature_command(self):
        r = self.ok("--json", "signature", "--meeting", self.mn1, "--role", "1", "--ttl", "30m").json()
        _, claims = check_jwt(self, r["signature"], CREDS["ZOOM_SDK_SECRET"])
        self.assertEqual((claims["mn"], claims["role"], claims["exp"] - claims["iat"]), (self.mn1, 1, 1800))
        text = self.ok("signature", "--meeting", self.mn1, "--role", "0")
        check_jwt(self, text.out.strip(), CREDS["ZOOM_SDK_SECRET"])
        self.assertNotIn(CREDS["ZOOM_SDK_SECRET"], text.out + text.err)
        self.fails(2, "signature", "--meeting", "12a", "--role", "0")
        self.fails(2, "signature", "--meeting", self.mn1, "--role", "2")
        self.fails(2, "signature", "--meeting", self.mn1, "--role", "0", "--ttl", "10m")
        self.fails(2, "signature", "--meeting", self.mn1, "--role", "0", "--ttl", "49h")
        self.fails(5, "signature", "--meeting", self.mn1, "--role", "0", env={"ZOOM_SDK_SECRET": ""})


class PagesData(JoinWorld):
    def test_me(self):
        t = self.link("ins1@example.org", "--lang", "ar")
        status, _, data, _ = self.api("GET", "/api/me", t)
        self.assertEqual(status, 200, data)
        self.assertEqual((data["id"], data["name"], data["email"], data["role"], data["lang"]),
                         (self.uid["ins1@example.org"], "Ines One", "ins1@example.org", "instructor", "ar"))
        self.assertEqual(self.api("GET", "/api/me", self.link("lea1@example.org"))[2]["lang"], "en")

    def test_fifteen_minute_rule_against_the_fake_clock(self):
        ins1 = self.link("ins1@example.org")
        data = self.api("GET", "/api/me/sessions", ins1)[2]
        self.assertEqual(data["now"], iso(self.fake_now))
        [s] = data["sessions"]
        self.assertEqual((s["id"], s["topic"], s["cohort"], s["instructor_name"], s["status"], s["duration"]),
                         (self.s1, "Alpha live", "Alpha", "Ines One", "SCHEDULED", 60))
        self.assertEqual(s["start_time"], iso(self.s1_start))
        self.assertEqual(s["meeting_number"], self.mn1)
        self.assertTrue(s["can_start"])
        self.assertFalse(s["can_join"])
        self.daemon(self.s1_start - datetime.timedelta(minutes=16))
        ins1 = self.link("ins1@example.org")
        data = self.api("GET", "/api/me/sessions", ins1)[2]
        self.assertEqual(data["now"], iso(self.s1_start - datetime.timedelta(minutes=16)))
        self.assertFalse(data["sessions"][0]["can_start"])
        self.daemon(self.s1_start - datetime.timedelta(minutes=15))
        ins1 = self.link("ins1@example.org")
        self.assertTrue(self.api("GET", "/api/me/sessions", ins1)[2]["sessions"][0]["can_start"])

    def test_learner_sees_cohort_sessions_and_can_join_only_in_progress(self):
        lea1 = self.link("lea1@example.org")
        status, _, data, raw = self.api("GET", "/api/me/sessions", lea1)
        self.assertEqual(status, 200)
        [s] = data["sessions"]
        self.assertEqual(s["id"], self.s1)
        self.assertFalse(s["can_start"])
        self.assertFalse(s["can_join"])
        self.set_status(self.s1, "IN_PROGRESS")
        status, _, data, raw = self.api("GET", "/api/me/sessions", lea1)
        self.assertTrue(data["sessions"][0]["can_join"])
        status, _, one, raw1 = self.api("GET", f"/api/sessions/{self.s1}", lea1)
        self.assertEqual(status, 200)
        self.assertEqual(one["id"], self.s1)
        self.assertTrue(one["can_join"])
        for body in (raw, raw1):
            for secret in (b"start_url", b"join_url", b"zak", b"zoomsim.invalid"):
                self.assertNotIn(secret, body)

    def test_link_command_urls_work_against_the_daemon(self):
        cases = [("ins1@example.org", [], "/instructor/sessions", "instructor-sessions"),
                 ("lea1@example.org", [], "/my-courses", "my-courses"),
                 ("lea1@example.org", ["--session", str(self.s1)], f"/session/{self.s1}/join", "join"),
                 ("ins1@example.org", ["--session", str(self.s1)], f"/session/{self.s1}/join", "join"),
                 ("ins1@example.org", ["--session", str(self.s1), "--page", "attendance"],
                  f"/instructor/sessions/{self.s1}/attendance", "attendance")]
        for who, args, path, page in cases:
            with self.subTest(who=who, args=args):
                r = self.ok("--json", "link", who, *args).json()
                self.assertTrue(r["url"].startswith(self.daemon_url + path + "?token="), r["url"])
                self.assertEqual(r["path"], path)
                status, hdrs, body = http("GET", r["url"])
                self.assertEqual(status, 200)
                self.assertIn(f"<title>{page}</title>".encode(), body)
                self.assertEqual(hdrs["cross-origin-opener-policy"], "same-origin")
                self.assertEqual(hdrs["cross-origin-embedder-policy"], "require-corp")
                self.assertEqual(hdrs["referrer-policy"], "no-referrer")
                self.assertIn("default-src 'self'", hdrs["content-security-policy"])
                token = urllib.parse.parse_qs(urllib.parse.urlparse(r["url"]).query)["token"][0]
                me = self.api("GET", "/api/me", token)[2]
                self.assertEqual(me["email"], who)
        # Plain output is the URL alone on stdout.
        out = self.ok("link", "lea1@example.org").out.strip()
        self.assertTrue(out.startswith(self.daemon_url + "/my-courses?token="), out)

    def test_link_command_refusals_change_nothing(self):
        before = self.snapshot()
        self.fails(3, "link", "nobody@example.org")
        self.fails(3, "link", "lea1@example.org", "--session", "9999")
        self.fails(4, "link", "lea2@example.org", "--session", str(self.s1))
        self.fails(2, "link", "lea1@example.org", "--session", str(self.s1), "--page", "attendance")
        self.fails(2, "link", "lea1@example.org", "--page", "join")
        self.fails(2, "link", "lea1@example.org", "--session", "x")
        self.fails(2, "link", "lea1@example.org", "--ttl", "32d")
        self.fails(2, "link", "lea1@example.org", "--ttl", "soon")
        self.fails(2, "link", "lea1@example.org", "--lang", "fr")
        r = self.fails(5, "link", "lea1@example.org", env={"ZOOMCTL_LINK_SECRET": ""})
        self.assertIn("ZOOMCTL_LINK_SECRET", r.err)
        self.assertEqual(self.snapshot(), before)


class StaticFiles(JoinWorld):
    def raw_get(self, path):
        """GET with the path sent byte for byte (no client-side normalisation)."""
        u = urllib.parse.urlparse(self.daemon_url)
        c = httpclient.HTTPConnection(u.hostname, u.port, timeout=10)
        try:
            c.putrequest("GET", path, skip_accept_encoding=True)
            c.endheaders()
            r = c.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            c.close()

    def test_assets_types_and_caching(self):
        status, hdrs, body = self.raw_get("/assets/join-nn8s5bB4.js")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"console.log('join');")
        self.assertTrue(hdrs["content-type"].startswith("text/javascript"))
        self.assertIn("immutable", hdrs["cache-control"])
        self.assertEqual(hdrs["cross-origin-embedder-policy"], "require-corp")
        status, hdrs, _ = self.raw_get("/assets/plain.css")
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["content-type"].startswith("text/css"))
        self.assertEqual(hdrs["cache-control"], "no-cache")
        status, hdrs, _ = self.raw_get("/assets/zoom-sdk/6.2.0/audio.wasm")
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["content-type"], "application/wasm")
        self.assertIn("immutable", hdrs["cache-control"])
        self.assertEqual(self.raw_get("/assets/missing.js")[0], 404)
        self.assertEqual(self.raw_get("/assets/zoom-sdk")[0], 404)  # a directory

    def test_no_directory_traversal(self):
        for path in ("/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt", "/assets/..%2f..%2fsecret.txt",
                     "/assets/%2E%2E%2F%2E%2E%2Fsecret.txt", "/assets//etc/passwd", "/assets/..\\..\\secret.txt",
                     "/assets/./join-nn8s5bB4.js", "/assets/escape.txt", "/assets/%00", "/../secret.txt",
                     "/session/1/../../secret.txt", "/assets/zoom-sdk/../../../secret.txt"):
            with self.subTest(path=path):
                status, _, body = self.raw_get(path)
                self.assertNotEqual(status, 200, path)
                self.assertNotIn(b"TOP SECRET", body)

    def test_pages_map_to_their_files(self):
        for path, page in (("/instructor/sessions", "instructor-sessions"), ("/session/12/join", "join"),
                           ("/my-courses", "my-courses"), ("/instructor/sessions/12/attendance", "attendance")):
            status, hdrs, body = self.raw_get(path + "?token=abc")
            self.assertEqual(status, 200, path)
            self.assertIn(f"<title>{page}</title>".encode(), body)
            self.assertTrue(hdrs["content-type"].startswith("text/html"))
        self.assertEqual(self.raw_get("/session/abc/join")[0], 404)

    def test_pages_not_built_is_503(self):
        self.daemon(self.fake_now, env={"ZOOMCTL_WEB_ROOT": os.path.join(self.dir, "nowhere")})
        status, _, body = self.raw_get("/my-courses")
        self.assertEqual(status, 503)
        self.assertIn(b"not built", body)


class FakeClockNeedsTestMode(Scratch):
    def test_fake_now_is_ignored_without_test_mode(self):
        self.env["ZOOMCTL_LINK_SECRET"] = LINK_SECRET
        self.ok("user", "add", "lea@example.org", "--name", "Lea", "--role", "learner")
        url = self.start_daemon(env={"ZOOMCTL_FAKE_NOW": "2030-01-01T00:00:00Z"})
        self.env["ZOOMCTL_PUBLIC_URL"] = url
        r = self.ok("--json", "link", "lea@example.org").json()
        token = urllib.parse.parse_qs(urllib.parse.urlparse(r["url"]).query)["token"][0]
        status, _, body = http("GET", url + "/api/me/sessions", headers={"Authorization": "Bearer " + token})
        self.assertEqual(status, 200)
        now = parse_iso(json.loads(body)["now"])
        self.assertLess(abs((now - datetime.datetime.now(datetime.timezone.utc)).total_seconds()), 60)
        self.assertIn("ZOOMCTL_FAKE_NOW ignored", self.log("zoomctld"))


if __name__ == "__main__":
    unittest.main()
