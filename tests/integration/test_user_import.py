"""`zoomctl user import FILE.csv`: a cron-able bulk import of people. Every row is
checked before anything is written; a good file is applied in one transaction
(added, updated with an audit entry holding before and after, or unchanged), so
re-running it changes nothing; a bad file names every problem with its line and
leaves the database exactly as it was."""
import json
import os
import unittest

from harness import Scratch


class UserImport(Scratch):
    def setUp(self):
        super().setUp()
        self.ok("db", "migrate")
        self.ok("cohort", "add", "Data Science 2026")

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    def users(self):
        return {e: (n, r) for e, n, r in self.sql("SELECT email, name, role FROM users ORDER BY email")}

    def audit(self, action=None):
        rows = self.sql("SELECT action, entity, entity_id, before_json, after_json FROM audit_log ORDER BY id")
        return [r for r in rows if action is None or r[0] == action]

    # A BOM, CRLF line ends, columns in another order and case, a quoted comma, an
    # escaped quote, an Arabic name and a cohort column (blank for some rows).
    GOOD = ("\ufeffRole,EMAIL,Name,cohort\r\n"
            "instructor,Ina.Instructor@Example.com,Ina Instructor,\r\n"
            "learner,lea@example.com,ليلى أحمد,Data Science 2026\r\n"
            "learner,  bob@example.com ,\"Smith, Bob\",data science 2026\r\n"
            "coordinator,cora@example.com,\"Cora \"\"CJ\"\" Jones\",\r\n"
            "admin,adam@example.com,Adam Admin,\r\n")

    def test_good_file_adds_everyone_with_audit_then_rerun_changes_nothing(self):
        path = self.write("people.csv", self.GOOD)
        r = self.ok("user", "import", path)
        self.assertIn("5 rows: added 5, updated 0, unchanged 0", r.out)
        self.assertEqual(self.users(), {
            "ina.instructor@example.com": ("Ina Instructor", "instructor"),
            "lea@example.com": ("ليلى أحمد", "learner"),
            "bob@example.com": ("Smith, Bob", "learner"),
            "cora@example.com": ('Cora "CJ" Jones', "coordinator"),
            "adam@example.com": ("Adam Admin", "admin"),
        })
        members = self.sql("SELECT u.email FROM cohort_members m JOIN users u ON u.id = m.user_id "
                           "JOIN cohorts c ON c.id = m.cohort_id WHERE c.name = 'Data Science 2026' ORDER BY 1")
        self.assertEqual([m[0] for m in members], ["bob@example.com", "lea@example.com"])
        adds = self.audit("user.add")
        self.assertEqual(len(adds), 5)
        after = {json.loads(a[4])["email"]: json.loads(a[4]) for a in adds}
        self.assertEqual(after["lea@example.com"]["name"], "ليلى أحمد")
        self.assertTrue(all(a[3] is None for a in adds))
        self.assertEqual(len(self.audit("cohort.enroll")), 2)

        before = self.snapshot()
        r = self.ok("user", "import", path)
        self.assertIn("5 rows: added 0, updated 0, unchanged 5; nothing changed", r.out)
        self.assertEqual(self.snapshot(), before)
        rows = self.ok("user", "import", path, "--json").json()
        self.assertEqual([x["outcome"] for x in rows], ["unchanged"] * 5)
        self.assertEqual(self.snapshot(), before)

    def test_json_per_row_results(self):
        path = self.write("people.csv", self.GOOD)
        rows = self.ok("--json", "user", "import", path).json()
        self.assertEqual([(x["line"], x["email"], x["outcome"]) for x in rows], [
            (2, "ina.instructor@example.com", "added"),
            (3, "lea@example.com", "added"),
            (4, "bob@example.com", "added"),
            (5, "cora@example.com", "added"),
            (6, "adam@example.com", "added"),
        ])
        lea = rows[1]
        self.assertEqual(lea["user"]["name"], "ليلى أحمد")
        self.assertEqual(lea["user"]["role"], "learner")
        self.assertEqual(lea["cohort"], "Data Science 2026")
        self.assertTrue(lea["enrolled"])
        self.assertIsNone(rows[0]["cohort"])
        ids = {u["email"]: u["id"] for u in self.ok("user", "list", "--json").json()}
        self.assertEqual({x["email"]: x["user"]["id"] for x in rows}, ids)

    def test_changes_update_with_before_and_after(self):
        self.ok("user", "add", "lea@example.com", "--name", "Lea", "--role", "learner")
        self.ok("user", "add", "ina@example.com", "--name", "Ina", "--role", "instructor")
        self.ok("user", "add", "same@example.com", "--name", "Same", "--role", "learner")
        path = self.write("changes.csv", "email,name,role\n"
                                         "LEA@example.com,Lea,instructor\n"
                                         "ina@example.com,Ina Instructor,instructor\n"
                                         "same@example.com,Same,learner\n"
                                         "new@example.com,New Person,learner\n")
        rows = self.ok("user", "import", path, "--json").json()
        self.assertEqual([(x["email"], x["outcome"], x["changed"]) for x in rows], [
            ("lea@example.com", "updated", ["role"]),
            ("ina@example.com", "updated", ["name"]),
            ("same@example.com", "unchanged", []),
            ("new@example.com", "added", []),
        ])
        self.assertEqual(self.users()["lea@example.com"], ("Lea", "instructor"))
        self.assertEqual(self.users()["ina@example.com"], ("Ina Instructor", "instructor"))
        updates = self.audit("user.update")
        self.assertEqual(len(updates), 2)
        lea_id = str(rows[0]["user"]["id"])
        action, entity, entity_id, before, after = updates[0]
        self.assertEqual((entity, entity_id), ("user", lea_id))
        self.assertEqual((json.loads(before)["role"], json.loads(after)["role"]), ("learner", "instructor"))
        self.assertEqual(json.loads(before)["name"], json.loads(after)["name"])
        self.assertEqual((json.loads(updates[1][3])["name"], json.loads(updates[1][4])["name"]),
                         ("Ina", "Ina Instructor"))
        self.assertEqual(len(self.audit("user.add")), 4)  # three by `user add`, one by the import

    def test_text_output_names_what_changed(self):
        self.ok("user", "add", "lea@example.com", "--name", "Lea", "--role", "learner")
        path = self.write("p.csv", "email,name,role,cohort\nlea@example.com,Lea,instructor,Data Science 2026\n"
                                   "n@example.com,N,learner,\n")
        r = self.ok("user", "import", path)
        self.assertIn("line 2: updated lea@example.com (role), enrolled in Data Science 2026", r.out)
        self.assertIn("line 3: added learner N <n@example.com>", r.out)
        self.assertIn("2 rows: added 1, updated 1, unchanged 0; 1 enrolled in a cohort", r.out)
        self.assertEqual(r.err, "")
        self.assertEqual(self.ok("-q", "user", "import", path).out, "")

    def test_enrolling_an_existing_person_is_an_update_once(self):
        self.ok("user", "add", "lea@example.com", "--name", "Lea", "--role", "learner")
        path = self.write("p.csv", "email,name,role,cohort\nlea@example.com,Lea,learner,Data Science 2026\n")
        rows = self.ok("user", "import", path, "--json").json()
        self.assertEqual((rows[0]["outcome"], rows[0]["changed"], rows[0]["enrolled"]), ("updated", ["cohort"], True))
        self.assertEqual(self.audit("user.update"), [])
        rows = self.ok("user", "import", path, "--json").json()
        self.assertEqual((rows[0]["outcome"], rows[0]["enrolled"]), ("unchanged", False))

    def test_stdin(self):
        r = self.ok("user", "import", "-", input="email,name,role\nx@example.com,X Y,learner\n")
        self.assertIn("1 rows: added 1", r.out)
        self.assertEqual(self.users(), {"x@example.com": ("X Y", "learner")})

    def test_header_only_imports_nothing(self):
        before = self.snapshot()
        r = self.ok("user", "import", "-", input="email,name,role\r\n")
        self.assertIn("0 rows: added 0, updated 0, unchanged 0", r.out)
        self.assertEqual(self.snapshot(), before)

    def test_bad_rows_are_all_named_and_nothing_is_written(self):
        self.ok("user", "add", "kept@example.com", "--name", "Kept", "--role", "learner")
        before = self.snapshot()
        path = self.write("bad.csv", "email,name,role,cohort\n"
                                     "good@example.com,Good,learner,\n"           # 2: fine, but not written
                                     "not-an-email,X,learner,\n"                  # 3
                                     "x@example.com,  ,learner,\n"                # 4
                                     "y@example.com,Y,wizard,\n"                  # 5
                                     "z@example.com,Z,learner,Nope\n"             # 6
                                     "GOOD@example.com,Again,learner,\n"          # 7
                                     "two@@example.com,T,learner,\n"              # 8
                                     "short@example.com,S\n"                      # 9
                                     "\"multi@example.com\",\"Line\nBreak\",learner,\n"  # 10-11
                                     "kept@example.com,Kept,admin,\n")            # 12: fine
        r = self.fails(2, "user", "import", path)
        for needle in ("line 3: email 'not-an-email'", "line 4: name is empty", "line 5: role 'wizard'",
                       "line 6: no cohort 'Nope'", "line 7: email good@example.com is already on line 2",
                       "line 8: email 'two@@example.com'", "line 9: expected 4 fields, found 2",
                       "line 10: name contains a line break", "nothing was imported"):
            self.assertIn(needle, r.err)
        for line in (2, 12):
            self.assertNotIn(f"line {line}:", r.err)
        self.assertEqual(r.out, "")
        self.assertEqual(self.snapshot(), before)

    def test_malformed_files_are_refused(self):
        before = self.snapshot()
        cases = [
            ("", "empty"),
            ("email,name\na@example.com,A\n", "no 'role' column"),
            ("email,name,role,team\n", "unknown column 'team'"),
            ("email,name,role,Email\n", "column 'email' appears twice"),
            ("email,name,role\n\"a@example.com,A,learner\n", "not closed"),
            (b"email,name,role\na@example.com,Caf\xe9,learner\n", "not valid UTF-8"),
        ]
        for data, needle in cases:
            with self.subTest(data=data):
                r = self.fails(2, "user", "import", self.write("m.csv", data))
                self.assertIn(needle, r.err)
        self.fails(2, "user", "import", os.path.join(self.dir, "missing.csv"))
        self.fails(2, "user", "import", self.dir)
        self.fails(2, "user", "import")
        self.assertEqual(self.snapshot(), before)

    def test_an_instructor_with_scheduled_sessions_keeps_the_role(self):
        self.ok("user", "add", "ina@example.com", "--name", "Ina", "--role", "instructor")
        ina = self.sql("SELECT id FROM users WHERE email = 'ina@example.com'")[0][0]
        cohort = self.sql("SELECT id FROM cohorts")[0][0]
        import sqlite3
        con = sqlite3.connect(self.db)
        con.execute("INSERT INTO sessions (cohort_id, instructor_id, topic, zoom_meeting_id, start_time, duration) "
                    "VALUES (?, ?, 'Class', 91538056781, '2030-01-01T10:00:00Z', 60)", (cohort, ina))
        con.commit()
        con.close()
        before = self.snapshot()
        r = self.fails(2, "user", "import", "-", input="email,name,role\nina@example.com,Ina,learner\n")
        self.assertIn("line 2: ina@example.com hosts 1 scheduled session", r.err)
        self.assertEqual(self.snapshot(), before)


if __name__ == "__main__":
    unittest.main()
