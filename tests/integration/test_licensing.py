"""US-005: zoomctl license assign | release | audit against zoomsim (2 licences)."""
import json
import sqlite3
import unittest

from sched_support import SimCase, future


class Licenses(SimCase):
    sim_args = ("--licenses", "1")

    def test_assign_records_type_and_date_and_release_returns_it(self):
        self.add_user("ines@example.com")
        r = self.ok("--json", "--actor", "ops", "license", "assign", "ines@example.com")
        out = r.json()
        self.assertEqual(out["license_type"], 2)
        self.assertTrue(out["changed"])
        self.assertRegex(out["license_assigned_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(self.sim_user("ines@example.com")["type"], 2)  # provisioned first, then licensed
        self.assertEqual(self.sql("SELECT license_type, license_assigned_at IS NOT NULL FROM users")[0], (2, 1))
        audit = self.audit_rows("license.assign")
        self.assertEqual(len(audit), 1)
        self.assertEqual(audit[0][0], "ops")
        self.assertEqual(json.loads(audit[0][5])["license_type"], 2)
        self.assertEqual(self.state()["licenses"]["used"], 1)

        r = self.ok("license", "release", "ines@example.com")
        self.assertIn("released", r.out)
        self.assertEqual(self.sim_user("ines@example.com")["type"], 1)
        self.assertEqual(self.sql("SELECT license_type, license_assigned_at FROM users")[0], (1, None))
        self.assertEqual(len(self.audit_rows("license.release")), 1)
        self.assertEqual(self.state()["licenses"]["used"], 0)

    def test_full_account_says_who_holds_the_licenses_and_changes_nothing(self):
        self.add_user("ines@example.com")
        self.add_user("omar@example.com")
        self.ok("license", "assign", "ines@example.com")
        self.ok("user", "provision", "omar@example.com")
        before = self.snapshot()
        r = self.fails(6, "license", "assign", "omar@example.com")
        self.assertIn("1 license in use", r.err)
        self.assertIn("ines@example.com", r.err)
        self.assertIn("zoomctl license release EMAIL", r.err)
        self.assertIn("3412", r.err)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(self.sim_user("omar@example.com")["type"], 1)
        # Freeing one makes room.
        self.ok("license", "release", "ines@example.com")
        self.ok("license", "assign", "omar@example.com")
        self.assertEqual(self.sim_user("omar@example.com")["type"], 2)

    def test_refusals_make_no_zoom_call(self):
        self.add_user("lea@example.com", role="learner")
        self.assert_refused_without_zoom(4, "license", "assign", "lea@example.com", contains="only instructors")
        self.assert_refused_without_zoom(3, "license", "assign", "nobody@example.com")
        self.add_user("new@example.com")
        self.assert_refused_without_zoom(4, "license", "release", "new@example.com", contains="user provision")
        self.assert_refused_without_zoom(2, "license", "audit", "--idle-days", "0")

    def test_audit_finds_what_needs_attention(self):
        self.add_user("busy@example.com")      # upcoming session, no license
        self.add_user("idle@example.com")      # license, no session
        self.add_user("drift@example.com")     # database says licensed, Zoom says basic
        self.add_user("ghost@example.com")     # zoom id Zoom does not know
        self.add_cohort("Class A")
        for e in ("busy@example.com", "drift@example.com", "ghost@example.com"):
            self.ok("user", "provision", e)
        self.ok("license", "assign", "idle@example.com")
        self.ok("session", "schedule", "--cohort", "Class A", "--instructor", "busy@example.com",
                "--start", future(3), "--duration", "60")
        con = sqlite3.connect(self.db)
        con.execute("UPDATE users SET license_type = 2 WHERE email = 'drift@example.com'")
        con.execute("UPDATE users SET zoom_user_id = 'NoSuchZoomUser' WHERE email = 'ghost@example.com'")
        con.commit()
        con.close()
        # Zoom has a licensed user the database does not know: use a second account seat.
        self.sql("SELECT 1")
        before = self.snapshot()
        r = self.zoomctl("--json", "license", "audit")
        self.assertEqual(r.code, 1, repr(r))
        kinds = {(f["kind"], f["email"]) for f in r.json()}
        self.assertIn(("unlicensed_with_sessions", "busy@example.com"), kinds)
        self.assertIn(("idle_license", "idle@example.com"), kinds)
        self.assertIn(("type_mismatch", "drift@example.com"), kinds)
        self.assertIn(("id_mismatch", "ghost@example.com"), kinds)
        self.assertEqual(self.snapshot(), before, "the audit changes nothing")
        text = self.zoomctl("license", "audit", "--idle-days", "10")
        self.assertEqual(text.code, 1)
        lines = text.out.strip().splitlines()
        self.assertEqual(len(lines), len(r.json()))
        self.assertTrue(any(l.startswith("idle_license: idle@example.com") for l in lines), text.out)

    def test_audit_clean_exits_0_and_knows_unknown_license_holders(self):
        self.add_user("ines@example.com")
        self.add_cohort("Class A")
        self.ok("license", "assign", "ines@example.com")
        self.ok("session", "schedule", "--cohort", "Class A", "--instructor", "ines@example.com",
                "--start", future(3), "--duration", "60")
        r = self.ok("license", "audit")
        self.assertIn("licenses ok", r.out)
        self.ok("license", "release", "ines@example.com")
        status, body = self.v2("POST", "/users", {"action": "custCreate",
                                                   "user_info": {"email": "stranger@example.com", "type": 2}})
        self.assertEqual(status, 201, body)
        r = self.zoomctl("--json", "license", "audit")
        self.assertEqual(r.code, 1)
        kinds = {(f["kind"], f["email"]) for f in r.json()}
        self.assertIn(("not_in_database", "stranger@example.com"), kinds)
        self.assertIn(("unlicensed_with_sessions", "ines@example.com"), kinds)


if __name__ == "__main__":
    unittest.main()
