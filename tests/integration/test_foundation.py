"""Foundation: config check, db migrate/status, user and cohort records, the
daemon's health check, start-up refusals; every bad input is a clear error that
changes nothing in the database."""
import json
import os
import re
import signal
import socket
import sqlite3
import stat
import subprocess
import time
import unittest

from harness import CREDS, ZOOMCTL, ZOOMCTLD, Scratch, free_port, http


class ConfigCheck(Scratch):
    def test_all_six_set_is_ok_and_secrets_never_shown(self):
        r = self.ok("config", "check", "--json")
        report = r.json()
        self.assertTrue(report["ok"])
        by_name = {v["name"]: v for v in report["variables"]}
        for name in CREDS:
            self.assertEqual(by_name[name]["state"], "ok", name)
        for secret in ("ZOOM_CLIENT_SECRET", "ZOOM_SDK_SECRET", "ZOOM_WEBHOOK_SECRET_TOKEN"):
            self.assertTrue(by_name[secret]["secret"])
            self.assertNotIn(CREDS[secret], r.out)
        text = self.ok("config", "check")
        for secret in ("ZOOM_CLIENT_SECRET", "ZOOM_SDK_SECRET", "ZOOM_WEBHOOK_SECRET_TOKEN"):
            self.assertNotIn(CREDS[secret], text.out + text.err)
        self.assertIn("configuration ok", text.out)

    def test_missing_and_malformed_are_all_reported_at_once(self):
        env = {"ZOOM_ACCOUNT_ID": "", "ZOOM_SDK_SECRET": "", "ZOOM_CLIENT_SECRET": "bad secret with spaces",
               "ZOOMCTLD_LISTEN": "nowhere", "ZOOMCTLD_THREADS": "1"}
        r = self.zoomctl("config", "check", "--json", env=env)
        self.assertEqual(r.code, 5, repr(r))
        by_name = {v["name"]: v for v in r.json()["variables"]}
        self.assertEqual(by_name["ZOOM_ACCOUNT_ID"]["state"], "missing")
        self.assertEqual(by_name["ZOOM_SDK_SECRET"]["state"], "missing")
        self.assertEqual(by_name["ZOOM_CLIENT_SECRET"]["state"], "malformed")
        self.assertEqual(by_name["ZOOMCTLD_LISTEN"]["state"], "malformed")
        self.assertEqual(by_name["ZOOMCTLD_THREADS"]["state"], "malformed")
        self.assertFalse(r.json()["ok"])
        self.assertNotIn("bad secret with spaces", r.out + r.err)

    def test_optional_missing_does_not_fail_the_check(self):
        r = self.ok("config", "check", "--json")
        by_name = {v["name"]: v for v in r.json()["variables"]}
        self.assertEqual(by_name["ZOOMCTL_LINK_SECRET"]["state"], "missing")
        self.assertIn("switched off", by_name["ZOOMCTL_LINK_SECRET"]["detail"])
        self.assertEqual(by_name["ZOOMCTL_ATTENDANCE_THRESHOLD"]["value"], "75")

    def test_env_file_fills_in_and_environment_wins(self):
        path = os.path.join(self.dir, "zoomctl.env")
        with open(path, "w") as f:
            f.write("ZOOM_ACCOUNT_ID=fromFileAccount\nZOOMCTL_ATTENDANCE_THRESHOLD=80\n")
        os.chmod(path, 0o600)
        env = dict(self.env)
        del env["ZOOM_ACCOUNT_ID"]
        r = subprocess.run([ZOOMCTL, "--env-file", path, "config", "check", "--json"], env=env,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        by_name = {v["name"]: v for v in json.loads(r.stdout)["variables"]}
        self.assertEqual(by_name["ZOOM_ACCOUNT_ID"]["state"], "ok")
        self.assertEqual(by_name["ZOOMCTL_ATTENDANCE_THRESHOLD"]["value"], "80")
        r = self.zoomctl("--env-file", path, "config", "check", "--json", env={"ZOOMCTL_ATTENDANCE_THRESHOLD": "90"})
        by_name = {v["name"]: v for v in r.json()["variables"]}
        self.assertEqual(by_name["ZOOMCTL_ATTENDANCE_THRESHOLD"]["value"], "90")

    def test_env_file_errors(self):
        r = self.fails(5, "--env-file", os.path.join(self.dir, "nope.env"), "config", "check")
        self.assertIn("nope.env", r.err)
        path = os.path.join(self.dir, "bad.env")
        with open(path, "w") as f:
            f.write("ZOOM_ACCOUNT_ID=x\nthis is not a setting\n")
        r = self.fails(5, "--env-file", path, "config", "check")
        self.assertIn("bad.env:2", r.err)

    def test_world_readable_env_file_with_secrets_is_warned_about(self):
        path = os.path.join(self.dir, "open.env")
        with open(path, "w") as f:
            f.write("ZOOM_CLIENT_SECRET=%s\n" % CREDS["ZOOM_CLIENT_SECRET"])
        os.chmod(path, 0o644)
        r = self.ok("--env-file", path, "config", "check")
        self.assertIn("chmod 600", r.err)
        self.assertNotIn(CREDS["ZOOM_CLIENT_SECRET"], r.err + r.out)


class Database(Scratch):
    def test_migrate_creates_private_file_and_rerun_is_noop(self):
        r = self.ok("db", "migrate", "--json")
        first = r.json()
        self.assertGreaterEqual(first["applied"], 1)
        self.assertEqual(first["version"], first["latest"])
        self.assertEqual(stat.S_IMODE(os.stat(self.db).st_mode), 0o600)
        again = self.ok("db", "migrate", "--json").json()
        self.assertEqual(again["applied"], 0)
        self.assertEqual(again["version"], first["version"])
        st = self.ok("db", "status", "--json").json()
        self.assertTrue(st["current"])
        self.assertEqual(st["journal_mode"], "wal")
        self.assertEqual(self.sql("SELECT COUNT(*) FROM schema_migrations")[0][0], first["version"])

    def test_db_flag_and_default_location(self):
        other = os.path.join(self.dir, "other.db")
        self.ok("--db", other, "db", "migrate")
        self.assertTrue(os.path.exists(other))
        env = dict(self.env)
        del env["ZOOMCTL_DB"]
        r = subprocess.run([ZOOMCTL, "db", "migrate", "--json"], env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["path"], os.path.join(self.dir, "xdg", "zoomctl", "zoomctl.db"))

    def test_newer_database_is_refused(self):
        self.ok("db", "migrate")
        con = sqlite3.connect(self.db)
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (999, 'future')")
        con.commit()
        con.close()
        r = self.fails(8, "user", "list")
        self.assertIn("newer", r.err)
        r = self.fails(8, "db", "migrate")
        self.assertIn("999", r.err)


class UsersAndCohorts(Scratch):
    def setUp(self):
        super().setUp()
        self.ok("db", "migrate")

    def test_add_list_show(self):
        r = self.ok("user", "add", "Ina.Instructor@Example.com", "--name", "Ina Instructor", "--role", "instructor",
                    "--json")
        u = r.json()
        self.assertEqual(u["email"], "ina.instructor@example.com")
        self.assertEqual(u["role"], "instructor")
        self.ok("user", "add", "lea@example.com", "--name", "ليلى أحمد", "--role", "learner")
        users = self.ok("user", "list", "--json").json()
        self.assertEqual([x["email"] for x in users], ["ina.instructor@example.com", "lea@example.com"])
        self.assertEqual(users[1]["name"], "ليلى أحمد")
        only = self.ok("user", "list", "--role", "learner", "--json").json()
        self.assertEqual([x["email"] for x in only], ["lea@example.com"])
        shown = self.ok("user", "show", "INA.instructor@example.com", "--json").json()
        self.assertEqual(shown["id"], u["id"])
        audit = self.sql("SELECT action, entity, actor FROM audit_log ORDER BY id")
        self.assertEqual(audit[0][:2], ("user.add", "user"))

    def test_bad_user_input_changes_nothing(self):
        self.ok("user", "add", "a@example.com", "--name", "A", "--role", "learner")
        before = self.snapshot()
        cases = [
            (4, ["user", "add", "A@EXAMPLE.com", "--name", "Dup", "--role", "learner"], "already exists"),
            (2, ["user", "add", "not-an-email", "--name", "X", "--role", "learner"], "not-an-email"),
            (2, ["user", "add", "two@@example.com", "--name", "X", "--role", "learner"], "@"),
            (2, ["user", "add", "x@nodot", "--name", "X", "--role", "learner"], "domain"),
            (2, ["user", "add", "x@example.com", "--name", "X", "--role", "wizard"], "wizard"),
            (2, ["user", "add", "x@example.com", "--name", "  ", "--role", "learner"], "name"),
            (2, ["user", "add", "x@example.com", "--role", "learner"], "--name"),
            (2, ["user", "add", "x@example.com", "--name", "X", "--role", "learner", "--bogus"], "--bogus"),
            (2, ["user", "frobnicate"], "subcommand"),
            (3, ["user", "show", "nobody@example.com"], "nobody@example.com"),
        ]
        for code, args, needle in cases:
            with self.subTest(args=args):
                r = self.fails(code, *args)
                self.assertIn(needle, r.err)
        self.assertEqual(self.snapshot(), before)

    def test_cohorts(self):
        for email, role in (("i@example.com", "instructor"), ("l1@example.com", "learner"),
                            ("l2@example.com", "learner")):
            self.ok("user", "add", email, "--name", email.split("@")[0], "--role", role)
        c = self.ok("cohort", "add", "Data Science 2026", "--json").json()
        r = self.ok("cohort", "enroll", "data science 2026", "l1@example.com", "L2@example.com", "--json").json()
        self.assertEqual(r["added"], ["l1@example.com", "l2@example.com"])
        r = self.ok("cohort", "enroll", str(c["id"]), "l1@example.com", "--json").json()
        self.assertEqual(r["already"], ["l1@example.com"])
        self.assertEqual(r["cohort"]["members"], 2)
        cohorts = self.ok("cohort", "list", "--json").json()
        self.assertEqual([(x["name"], x["members"]) for x in cohorts], [("Data Science 2026", 2)])
        self.assertEqual(self.sql("SELECT COUNT(*) FROM cohort_members")[0][0], 2)

    def test_bad_cohort_input_changes_nothing(self):
        self.ok("user", "add", "l1@example.com", "--name", "L1", "--role", "learner")
        self.ok("cohort", "add", "A")
        before = self.snapshot()
        cases = [
            (4, ["cohort", "add", "a"], "already exists"),
            (2, ["cohort", "add", ""], "empty"),
            (2, ["cohort", "add", "42"], "number"),
            (3, ["cohort", "enroll", "Nope", "l1@example.com"], "Nope"),
            (3, ["cohort", "enroll", "A", "l1@example.com", "ghost@example.com"], "ghost@example.com"),
            (2, ["cohort", "enroll", "A", "not-an-email"], "not-an-email"),
            (2, ["cohort", "enroll", "A"], "EMAIL"),
        ]
        for code, args, needle in cases:
            with self.subTest(args=args):
                r = self.fails(code, *args)
                self.assertIn(needle, r.err)
        self.assertEqual(self.snapshot(), before)

    def test_help_and_version(self):
        r = self.ok("--help")
        for group in ("config", "db", "user", "cohort"):
            self.assertIn(group, r.out)
        self.assertIn("zoomctl", self.ok("--version").out)
        self.assertIn("--role", self.ok("user", "add", "--help").out)


class Daemon(Scratch):
    def test_health_and_clean_stop(self):
        url = self.start_daemon()
        status, headers, body = http("GET", url + "/healthz")
        self.assertEqual(status, 200)
        health = json.loads(body)
        self.assertEqual(health["status"], "ok")
        self.assertEqual(health["database"], "ok")
        self.assertGreaterEqual(health["schema_version"], 1)
        self.assertTrue(health["features"]["webhooks"])
        self.assertFalse(health["features"]["access_links"])
        status, headers, body = http("GET", url + "/metrics")
        self.assertEqual(status, 200)
        # The health probes so far (counted after each answer is sent, so at least one).
        counted = re.search(r'zoomctld_http_requests_total\{method="GET",status="200"\} (\d+)', body.decode())
        self.assertTrue(counted and int(counted.group(1)) >= 1, body.decode())
        self.assertIn("zoomctl_zoom_calls_total 0", body.decode())
        # The daemon migrated the database itself.
        self.assertGreaterEqual(self.sql("SELECT MAX(version) FROM schema_migrations")[0][0], 1)
        p = self.procs[-1]
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=10), 0)
        log = self.log("zoomctld")
        self.assertIn("GET /healthz 200", log)
        for secret in CREDS.values():
            if "Secret" in secret:
                self.assertNotIn(secret, log)

    def test_sigint_stops_too(self):
        self.start_daemon()
        p = self.procs[-1]
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.wait(timeout=10), 0)

    def test_json_logs(self):
        url = self.start_daemon(["--log-format", "json"])
        http("GET", url + "/healthz")
        # The access log line is written after the answer is sent: poll for it.
        deadline = time.time() + 30
        while True:
            lines = [json.loads(x) for x in self.log("zoomctld").splitlines() if x.startswith("{")]
            req = [x for x in lines if x.get("path") == "/healthz"]
            if req or time.time() > deadline:
                break
            time.sleep(0.05)
        self.assertTrue(req, self.log("zoomctld"))
        self.assertEqual(req[0]["status"], 200)
        self.assertIn("duration_ms", req[0])

    def held_connections(self, url, n):
        """n connections that have sent half a request and keep the thread serving them waiting."""
        host, port = url.rsplit("/", 1)[1].split(":")
        socks = []
        for _ in range(n):
            s = socket.create_connection((host, int(port)), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            socks.append(s)
        return socks

    def test_idle_connections_do_not_hold_the_daemon(self):
        # cpp-httplib's default pool was 8 threads and an open connection holds one: 12 slow or idle
        # clients (a browser's keep-alive, a stalled proxy) used to leave no thread for Zoom's deliveries.
        url = self.start_daemon()
        held = self.held_connections(url, 12)
        status, _, body = http("GET", url + "/healthz", timeout=4)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["status"], "ok")
        for s in held:
            s.close()

    def test_threads_setting_is_applied(self):
        # With --threads 2 and both threads held, a third client is not served until one is let go.
        url = self.start_daemon(["--threads", "2"])
        held = self.held_connections(url, 2)
        time.sleep(0.3)
        with self.assertRaises(OSError):
            http("GET", url + "/healthz", timeout=1.5)
        for s in held:
            s.sendall(b"Connection: close\r\n\r\n")  # complete the requests: answered, closed, threads free
        for s in held:
            self.assertIn(b" 200 ", s.recv(4096))
            s.close()
        status, _, _ = http("GET", url + "/healthz", timeout=10)
        self.assertEqual(status, 200)

    def run_daemon(self, args, env=None, timeout=10):
        e = dict(self.env)
        e.update(env or {})
        return subprocess.run([ZOOMCTLD, *args], env=e, capture_output=True, text=True, timeout=timeout)

    def test_refuses_invalid_configuration(self):
        r = self.run_daemon(["--listen", f"127.0.0.1:{free_port()}"],
                            env={"ZOOMCTL_API_TOKEN": "short", "ZOOMCTL_ATTENDANCE_THRESHOLD": "200"})
        self.assertEqual(r.returncode, 5, r.stderr)
        self.assertIn("ZOOMCTL_API_TOKEN", r.stderr)
        self.assertIn("ZOOMCTL_ATTENDANCE_THRESHOLD", r.stderr)
        self.assertNotIn("short", r.stderr.replace("too short", ""))

    def test_refuses_taken_port(self):
        url = self.start_daemon()
        port = url.rsplit(":", 1)[1]
        r = self.run_daemon(["--listen", f"127.0.0.1:{port}"])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("in use", r.stderr)

    def test_refuses_bad_flags(self):
        r = self.run_daemon(["--listen", "nonsense"])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("ZOOMCTLD_LISTEN", r.stderr)
        r = self.run_daemon(["--threads", "0"])
        self.assertEqual(r.returncode, 5)
        self.assertIn("ZOOMCTLD_THREADS", r.stderr)
        r = self.run_daemon(["--frobnicate"])
        self.assertEqual(r.returncode, 2)

    def test_missing_optional_feature_is_announced(self):
        env = {"ZOOM_WEBHOOK_SECRET_TOKEN": ""}
        url = self.start_daemon(env=env)
        status, _, body = http("GET", url + "/healthz")
        self.assertEqual(status, 200)
        self.assertFalse(json.loads(body)["features"]["webhooks"])
        self.assertIn("ZOOM_WEBHOOK_SECRET_TOKEN", self.log("zoomctld"))



class Completions(Scratch):
    def complete(self, *words):
        script = os.path.join(os.environ.get("ZOOMCTL_SOURCE_DIR", "."), "completions", "zoomctl.bash")
        cmd = f"source {script}; COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}; _zoomctl; " \
              'printf "%s\\n" "${COMPREPLY[@]}"'
        r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True)
        return set(r.stdout.split())

    def test_bash_completion_follows_the_command_tree(self):
        self.assertEqual(self.complete("zoomctl", "coh"), {"cohort"})
        self.assertEqual(self.complete("zoomctl", "cohort", "en"), {"enroll"})
        self.assertIn("--role", self.complete("zoomctl", "user", "add", "x@example.com", "--r"))
        self.assertIn("--json", self.complete("zoomctl", "--j"))


if __name__ == "__main__":
    unittest.main()
