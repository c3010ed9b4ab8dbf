#!/usr/bin/env python3
"""bench/session_listing: `zoomctl session list` on a 100,000-session database
against a reference in the same run: the same SELECT run by the sqlite3
command-line shell on the same file and printed the same way (the table with
printf, or -json), each a fresh process. The database is created by `zoomctl db migrate`, its 50
instructors and 200 cohorts by `zoomctl user add` / `cohort add`, and its
sessions are written directly with sqlite3, shaped as `zoomctl session
schedule` leaves them once Zoom has answered (meeting id, uuid, join and start
URLs as zoomsim gives them, request key, no repair pending; CANCELLED ones
without a request key; COMPLETED ones with their actual start and end), spread
over two years around today. The query plan of every listing is printed with
EXPLAIN QUERY PLAN and a full scan of sessions is reported. Prints one line.

  python3 bench/session_listing.py [--zoomctl build-rel/zoomctl] [--sqlite3 sqlite3] [--sessions 100000]
      [--reps 5] [--index "CREATE INDEX ..."] [--json] [--keep]
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import finish

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# What services::list_sessions runs (core/services/scheduling.cpp, k_select + filters + order).
SELECT = ("SELECT s.id, s.cohort_id, c.name, s.instructor_id, u.email, s.topic, s.zoom_meeting_id, "
          "s.zoom_meeting_uuid, s.zoom_join_url, s.zoom_start_url, s.start_time, s.duration, s.timezone, s.status, "
          "s.needs_repair, s.created_at, s.updated_at FROM sessions s JOIN cohorts c ON c.id = s.cohort_id "
          "JOIN users u ON u.id = s.instructor_id")


def iso(d):
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def queries(today):
    """name -> (zoomctl arguments, SQL filters [(clause, value)], limit, json?): typical operator listings."""
    week = (iso(today), iso(today + datetime.timedelta(days=7)))
    ins, cohort = "instructor07@example.com", "Cohort 042"
    return {
        "default": (["session", "list"], [], 0, False),
        "week": (["--json", "session", "list", "--from", week[0], "--to", week[1]],
                 [("s.start_time >= ?", week[0]), ("s.start_time < ?", week[1])], 0, True),
        "instructor": (["session", "list", "--instructor", ins], [("s.instructor_id = ?", ("user", ins))], 0, False),
        "instructor_week": (["--json", "session", "list", "--instructor", ins, "--from", week[0], "--to", week[1]],
                            [("s.start_time >= ?", week[0]), ("s.start_time < ?", week[1]),
                             ("s.instructor_id = ?", ("user", ins))], 0, True),
        "cohort": (["--json", "session", "list", "--cohort", cohort], [("s.cohort_id = ?", ("cohort", cohort))], 0,
                   True),
        "instructor_upcoming": (["session", "list", "--instructor", ins, "--status", "SCHEDULED", "--from", week[0]],
                                [("s.status = ?", "SCHEDULED"), ("s.start_time >= ?", week[0]),
                                 ("s.instructor_id = ?", ("user", ins))], 0, False),
        "next_50": (["session", "list", "--status", "SCHEDULED", "--from", week[0], "--limit", "50"],
                    [("s.status = ?", "SCHEDULED"), ("s.start_time >= ?", week[0])], 50, False),
    }


def sql_for(con, filters, limit):
    """The statement and parameters list_sessions builds; names are resolved first, as it does."""
    params = []
    where = []
    for clause, value in filters:
        if isinstance(value, tuple):
            table, key = value
            q = "SELECT id FROM users WHERE email = ? COLLATE NOCASE" if table == "user" else \
                "SELECT id FROM cohorts WHERE name = ? COLLATE NOCASE"
            value = con.execute(q, (key,)).fetchone()[0]
        where.append(clause)
        params.append(value)
    sql = SELECT + "".join((" WHERE " if i == 0 else " AND ") + w for i, w in enumerate(where))
    sql += " ORDER BY s.start_time, s.id" + (f" LIMIT {limit}" if limit else "")
    return sql, params


def quote(v):
    return str(v) if isinstance(v, int) else "'" + str(v).replace("'", "''") + "'"


def reference_sql(filters, limit, as_json):
    """The same listing as one statement for the sqlite3 command-line shell: names resolved
    in a subquery, rows printed as the same JSON objects or the same table."""
    where = []
    for clause, value in filters:
        if isinstance(value, tuple):
            table, key = value
            value = f"(SELECT id FROM {'users WHERE email' if table == 'user' else 'cohorts WHERE name'} = " \
                    f"{quote(key)} COLLATE NOCASE)"
        else:
            value = quote(value)
        where.append(clause.replace("?", value))
    cond = "".join((" WHERE " if i == 0 else " AND ") + w for i, w in enumerate(where))
    order = " ORDER BY s.start_time, s.id" + (f" LIMIT {limit}" if limit else "")
    if as_json:
        cols = ("s.id AS id, s.cohort_id AS cohort_id, c.name AS cohort, s.instructor_id AS instructor_id, "
                "u.email AS instructor, s.topic AS topic, s.zoom_meeting_id AS zoom_meeting_id, "
                "s.zoom_meeting_uuid AS zoom_meeting_uuid, s.zoom_join_url AS join_url, s.start_time AS start_time, "
                "s.duration AS duration, s.timezone AS timezone, s.status AS status, s.needs_repair AS needs_repair, "
                "s.created_at AS created_at, s.updated_at AS updated_at")
    else:
        cols = ("printf('%6d  %-20s %5d %-11s %-28s %-16s %s%s', s.id, s.start_time, s.duration, s.status, u.email, "
                "c.name, s.topic, CASE WHEN s.needs_repair IS NULL THEN '' ELSE '  [needs repair]' END)")
    sql = f"SELECT {cols} FROM sessions s JOIN cohorts c ON c.id = s.cohort_id JOIN users u ON u.id = " \
          f"s.instructor_id{cond}{order};"
    if not as_json:
        sql = "SELECT printf('%6s  %-20s %5s %-11s %-28s %-16s %s', 'ID', 'START (UTC)', 'MIN', 'STATUS', " \
              "'INSTRUCTOR', 'COHORT', 'TOPIC');\n" + sql
    return sql


def reference_argv(sqlite3_cli, db, name, today):
    _, filters, limit, as_json = queries(today)[name]
    return [sqlite3_cli, "-readonly", "-json" if as_json else "-list", db, reference_sql(filters, limit, as_json)]


def generate(db, n, today, seed=20261125):
    """n sessions over two years around `today`, rows as `zoomctl session schedule` writes them."""
    rng = random.Random(seed)
    con = sqlite3.connect(db)
    instructors = [r[0] for r in con.execute("SELECT id FROM users WHERE role = 'instructor' ORDER BY id")]
    cohorts = con.execute("SELECT id, name FROM cohorts ORDER BY id").fetchall()
    first = today - datetime.timedelta(days=365)
    rows = []
    used = set()
    keys = set()
    while len(rows) < n:
        start = first + datetime.timedelta(days=rng.randrange(730), minutes=7 * 60 + 30 * rng.randrange(26))
        created = start - datetime.timedelta(days=rng.randrange(1, 60), seconds=rng.randrange(86400))
        cohort_id, cohort = rng.choice(cohorts)
        instructor = rng.choice(instructors)
        duration = rng.choice((30, 45, 60, 60, 90, 120))
        topic = f"{cohort} live session" if rng.random() < 0.6 else f"{cohort}: module {rng.randrange(1, 13)}"
        mid = rng.randrange(10**10, 10**11)
        while mid in used:
            mid = rng.randrange(10**10, 10**11)
        used.add(mid)
        uuid = base64.b64encode(rng.randbytes(16)).decode()
        pwd = base64.urlsafe_b64encode(rng.randbytes(24)).decode().rstrip("=")
        zak = base64.urlsafe_b64encode(rng.randbytes(36)).decode().rstrip("=")
        key = hashlib.sha256(f"v1\x1f{cohort_id}\x1f{instructor}\x1f{iso(start)}\x1f{duration}\x1f{topic}\x1fUTC"
                             .encode()).hexdigest()
        if key in keys:
            continue  # the same request again: `session schedule` answers with the session it made
        keys.add(key)
        actual_start = actual_end = None
        if start < today:
            r = rng.random()
            status = "COMPLETED" if r < 0.90 else "CANCELLED" if r < 0.97 else "SCHEDULED"
            if status == "COMPLETED":
                actual_start = start + datetime.timedelta(seconds=rng.randrange(-300, 300))
                actual_end = actual_start + datetime.timedelta(minutes=duration, seconds=rng.randrange(-600, 600))
        else:
            status = "CANCELLED" if rng.random() < 0.05 else "SCHEDULED"
        updated = actual_end or (created + datetime.timedelta(seconds=rng.randrange(1, 3))
                                 if status != "CANCELLED" else start - datetime.timedelta(days=rng.randrange(1, 5)))
        rows.append((cohort_id, instructor, topic, mid, uuid, f"https://zoomsim.invalid/j/{mid}?pwd={pwd}",
                     f"https://zoomsim.invalid/s/{mid}?zak=eyJ0eXAiOiJKV1QiLCJzdiI6InNpbSJ9.{zak}", iso(start),
                     duration, "UTC", status, iso(actual_start) if actual_start else None,
                     iso(actual_end) if actual_end else None, None if status == "CANCELLED" else key, None,
                     iso(created), iso(updated)))
    rows.sort(key=lambda r: r[15])  # ids follow the order in which sessions were scheduled
    con.executemany("INSERT INTO sessions (cohort_id, instructor_id, topic, zoom_meeting_id, zoom_meeting_uuid,"
                    " zoom_join_url, zoom_start_url, start_time, duration, timezone, status, actual_start,"
                    " actual_end, request_key, needs_repair, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()


def plans(db, today):
    """name -> (plan lines, full scan of sessions?)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    out = {}
    for name, (_, filters, limit, _) in queries(today).items():
        sql, params = sql_for(con, filters, limit)
        lines = [r[3] for r in con.execute("EXPLAIN QUERY PLAN " + sql, params)]
        scan = any(ln.startswith("SCAN s") for ln in lines)
        out[name] = (lines, scan)
    con.close()
    return out


def listed(out, as_json):
    """The session ids a listing shows, in order (JSON), or its lines (table)."""
    if as_json:
        return [s["id"] for s in json.loads(out)] if out.strip() else []
    return out.splitlines()[1:]


def measure(args, db, env, today, tag):
    """Median ms per query for zoomctl and the reference, alternating, each a fresh process; checks row counts."""
    times = {}
    problems = []
    for name, (zargs, _, _, as_json) in queries(today).items():
        z, r = [], []
        for _ in range(args.reps):
            for side, argv in (("zoomctl", [args.zoomctl, *zargs]),
                               ("reference", reference_argv(args.sqlite3, db, name, today))):
                t = time.perf_counter()
                p = subprocess.run(argv, env=env, capture_output=True, text=True)
                ms = (time.perf_counter() - t) * 1000
                if p.returncode != 0:
                    sys.exit(f"session_listing: {side} {name}: exit {p.returncode}: {p.stderr.strip()[:300]}")
                (z if side == "zoomctl" else r).append(ms)
                if side == "zoomctl":
                    zl = listed(p.stdout, as_json)
                else:
                    rl = listed(p.stdout, as_json)
        if zl != rl:
            problems.append(f"{tag} {name}: zoomctl listed {len(zl)} sessions, the reference {len(rl)}, or not the "
                            f"same ones in the same order")
        times[name] = {"zoomctl": statistics.median(z), "reference": statistics.median(r), "rows": len(zl)}
    return times, problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--zoomctl", default=os.path.join(ROOT, "build-rel", "zoomctl"))
    ap.add_argument("--sqlite3", default=shutil.which("sqlite3") or "sqlite3", help="the sqlite3 command-line shell")
    ap.add_argument("--sessions", type=int, default=100000)
    ap.add_argument("--instructors", type=int, default=50)
    ap.add_argument("--cohorts", type=int, default=200)
    ap.add_argument("--reps", type=int, default=5, help="timed repetitions of each query; the median is reported")
    ap.add_argument("--index", action="append", default=[],
                    help="also time a copy of the database with this CREATE INDEX (repeatable)")
    ap.add_argument("--json", action="store_true", help="print the figures and query plans as JSON too")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = ap.parse_args()

    scratch = tempfile.mkdtemp(prefix="session-listing-")
    try:
        db = os.path.join(scratch, "zoomctl.db")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOOM_", "ZOOMCTL"))}
        env.update(ZOOMCTL_DB=db, XDG_DATA_HOME=scratch)

        def run(*a):
            p = subprocess.run([args.zoomctl, *a], env=env, capture_output=True, text=True)
            if p.returncode != 0:
                sys.exit(f"session_listing: zoomctl {' '.join(a[:3])}: exit {p.returncode}: {p.stderr.strip()}")

        today = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, hour=0, minute=0, second=0,
                                                                       microsecond=0)
        t = time.time()
        run("db", "migrate")
        for i in range(args.instructors):
            run("user", "add", f"instructor{i:02d}@example.com", "--name", f"Instructor {i:02d}", "--role",
                "instructor")
        for i in range(args.cohorts):
            run("cohort", "add", f"Cohort {i:03d}")
        generate(db, args.sessions, today)
        setup_s = time.time() - t

        plan = plans(db, today)
        times, problems = measure(args, db, env, today, "schema")
        indexed = {}
        if args.index:
            copy = os.path.join(scratch, "indexed.db")
            shutil.copyfile(db, copy)
            con = sqlite3.connect(copy)
            for stmt in args.index:
                con.execute(stmt)
            con.commit()
            con.close()
            indexed = {"plans": plans(copy, today)}
            indexed["times"], more = measure(args, copy, dict(env, ZOOMCTL_DB=copy), today, "indexed")
            problems += more

        for name, (lines, scan) in plan.items():
            print(f"session_listing: plan {name}: {' | '.join(lines)}" + ("  <- full scan of sessions" if scan else ""),
                  file=sys.stderr)
        for why in problems:
            print(f"session_listing: {why}", file=sys.stderr)
        scans = [n for n, (_, scan) in plan.items() if scan]
        parts = [f"{n} {v['zoomctl']:.0f}/{v['reference']:.0f} ms {v['zoomctl'] / v['reference']:.2f}x"
                 for n, v in times.items()]
        line = (f"session_listing: zoomctl/reference per query: {', '.join(parts)} ({args.sessions} sessions, "
                f"median of {args.reps}, each a fresh process; full scans: {', '.join(scans) or 'none'}"
                f"{'; same sessions listed' if not problems else '; LISTINGS DIFFER'})")
        print(line)
        if args.json:
            print(json.dumps({"times": times, "plans": {n: p[0] for n, p in plan.items()}, "full_scans": scans,
                              "indexed": {"plans": {n: p[0] for n, p in indexed["plans"].items()},
                                          "times": indexed["times"]} if indexed else None,
                              "setup_seconds": round(setup_s, 1), "problems": problems}))
        if indexed:
            parts = [f"{n} {v['zoomctl']:.0f} ms (was {times[n]['zoomctl']:.0f})"
                     for n, v in indexed["times"].items()]
            print(f"session_listing: with {'; '.join(args.index)}: zoomctl {', '.join(parts)}", file=sys.stderr)
        return 0 if not problems else 1
    finally:
        finish("session_listing", [], scratch, args.keep)


if __name__ == "__main__":
    sys.exit(main())
