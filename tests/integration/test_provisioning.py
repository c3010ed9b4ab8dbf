"""US-004: zoomctl user provision creates (type 1 Basic, action create, pending) or
adopts the instructor's Zoom user, refuses learners, and provisions the whole
roster with a summary and an exit code that says whether all succeeded."""
import json
import unittest

from sched_support import SimCase


class Provision(SimCase):
    def test_creates_a_pending_basic_user_and_stores_it(self):
        self.add_user("ines@example.com", name="Ines Instructor")
        r = self.ok("--json", "--actor", "ops", "user", "provision", "ines@example.com")
        out = r.json()
        self.assertEqual(out["outcome"], "created")
        self.assertTrue(out["pending"])
        self.assertIn("pending activation", out["reason"])
        zu = self.sim_user("ines@example.com")
        self.assertEqual(zu["type"], 1)
        self.assertEqual(zu["status"], "pending")
        self.assertEqual(zu["first_name"], "Ines")
        self.assertEqual(zu["last_name"], "Instructor")
        row = self.sql("SELECT zoom_user_id, zoom_status, license_type FROM users WHERE email = ?",
                       ("ines@example.com",))[0]
        self.assertEqual(row, (zu["id"], "pending", 1))
        posts = [c for c in self.v2_calls() if c == ("POST", "/v2/users")]
        self.assertEqual(len(posts), 1)
        audit = self.audit_rows("user.provision")
        self.assertEqual(len(audit), 1)
        self.assertEqual(audit[0][0], "ops")
        self.assertEqual(json.loads(audit[0][5])["zoom_user_id"], zu["id"])
        # Again: already provisioned, no Zoom call, still reported pending.
        calls = len(self.v2_calls())
        r = self.ok("user", "provision", "ines@example.com")
        self.assertIn("already", r.out)
        self.assertIn("pending activation", r.out)
        self.assertEqual(len(self.v2_calls()), calls)

    def test_adopts_a_user_zoom_already_has(self):
        self.add_user("omar@example.com")
        status, body = self.v2("POST", "/users", {"action": "custCreate",
                                                   "user_info": {"email": "OMAR@example.com", "type": 2}})
        self.assertEqual(status, 201, body)
        r = self.ok("--json", "user", "provision", "omar@example.com")
        self.assertEqual(r.json()["outcome"], "adopted")
        self.assertEqual(r.json()["zoom_user_id"], body["id"])
        row = self.sql("SELECT zoom_user_id, zoom_status, license_type FROM users WHERE email = 'omar@example.com'")
        self.assertEqual(row[0], (body["id"], "active", 2))
        self.assertIn(("GET", "/v2/users/omar@example.com"), self.v2_calls())
        self.assertEqual(len(self.audit_rows("user.adopt")), 1)
        self.assertEqual(len(self.state()["users"]), 1)

    def test_learners_and_unknown_people_are_refused_without_a_zoom_call(self):
        self.add_user("lea@example.com", role="learner")
        self.add_user("cora@example.com", role="coordinator")
        self.assert_refused_without_zoom(4, "user", "provision", "lea@example.com", contains="only instructors")
        self.assert_refused_without_zoom(4, "user", "provision", "cora@example.com", contains="only instructors")
        self.assert_refused_without_zoom(3, "user", "provision", "nobody@example.com", contains="nobody@example.com")
        self.assert_refused_without_zoom(2, "user", "provision")
        self.assert_refused_without_zoom(2, "user", "provision", "lea@example.com", "--all-instructors")

    def test_all_instructors_goes_on_after_a_failure_and_exits_1(self):
        for e in ("a@example.com", "b@example.com", "c@example.com"):
            self.add_user(e)
        self.add_user("l@example.com", role="learner")
        # A record Zoom refuses (an address zoomsim's validation rejects, put in behind zoomctl's back).
        self.sql("SELECT 1")
        import sqlite3
        con = sqlite3.connect(self.db)
        con.execute("INSERT INTO users (email, name, role) VALUES ('broken-address', 'Broken Record', 'instructor')")
        con.commit()
        con.close()
        r = self.zoomctl("--json", "user", "provision", "--all-instructors")
        self.assertEqual(r.code, 1, repr(r))
        by_email = {x["email"]: x for x in r.json()}
        self.assertEqual(set(by_email), {"a@example.com", "b@example.com", "c@example.com", "broken-address"})
        self.assertEqual(by_email["broken-address"]["outcome"], "failed")
        self.assertIn("Zoom said 400", by_email["broken-address"]["reason"])
        for e in ("a@example.com", "b@example.com", "c@example.com"):
            self.assertEqual(by_email[e]["outcome"], "created")
        self.assertIsNone(self.sim_user("l@example.com"))
        text = self.zoomctl("user", "provision", "--all-instructors")
        self.assertEqual(text.code, 1)
        self.assertIn("4 instructors: 0 created, 0 adopted, 3 already, 1 failed", text.out)
        self.assertIn("broken-address failed:", text.out)

    def test_all_instructors_with_transient_faults(self):
        for i in range(6):
            self.add_user(f"i{i}@example.com")
        self.faults(rate_429=0.1, rate_5xx=0.1)
        r = self.ok("--json", "user", "provision", "--all-instructors")
        self.assertEqual([x["outcome"] for x in r.json()], ["created"] * 6)
        self.assertEqual(len(self.state()["users"]), 6)
        r = self.ok("user", "provision", "--all-instructors")
        self.assertIn("6 instructors: 0 created, 0 adopted, 6 already, 0 failed", r.out)


if __name__ == "__main__":
    unittest.main()
