#!/usr/bin/env python3
"""Generates sim/scenarios/class40.json deterministically: an instructor and 40
learners in a 60-minute class, with rejoins, two devices for some, a late
joiner, one who never joins, one who leaves after the end (clipped) and some
who are still there when the meeting ends. The expected attendance is computed
here, independently of zoomsim: per person the total seconds of the union of
their join/leave intervals clipped to [meeting start, meeting end].

Usage: python3 make_class40.py [OUTPUT]   (default: class40.json next to this file)
"""
import json
import os
import random
import sys

END = 3600  # the meeting ends at +3600 s


def off(seconds):
    return f"+{seconds}s"


def expected_seconds(sessions, end):
    intervals = []
    for s in sessions:
        a = max(0, s["join"])
        b = min(s["leave"] if s.get("leave") is not None else end, end)
        if b > a:
            intervals.append((a, b))
    intervals.sort()
    total, cur = 0, None
    for a, b in intervals:
        if cur is None or a > cur[1]:
            if cur:
                total += cur[1] - cur[0]
            cur = [a, b]
        else:
            cur[1] = max(cur[1], b)
    if cur:
        total += cur[1] - cur[0]
    return total


def build():
    rng = random.Random(40)
    people = [{
        "name": "Ines Instructor", "email": "instructor@example.com", "customer_key": "instructor-1",
        "role": "instructor", "sessions": [{"join": 0, "leave": END, "device": "laptop"}],
    }]
    for i in range(1, 41):
        p = {"name": f"Learner {i:02d}", "email": f"learner{i:02d}@example.com", "customer_key": f"learner-{i:02d}"}
        j = rng.randint(0, 240)
        if i == 3:  # late joiner
            sessions = [{"join": 1800 + rng.randint(0, 60), "leave": END, "device": "laptop"}]
        elif i == 7:  # never joins
            sessions = []
        elif i == 9:  # leaves after the end: clipped to the end
            sessions = [{"join": j, "leave": END + 400, "device": "laptop"}]
        elif i in (11, 12, 13, 14, 15):  # rejoins (user_id/participant_uuid change each time)
            a = rng.randint(600, 1200)
            b = a + rng.randint(30, 400)
            c = rng.randint(1500, 2500)
            sessions = [{"join": j, "leave": a, "device": "laptop"},
                        {"join": b, "leave": c, "device": "laptop"},
                        {"join": c + rng.randint(5, 120), "leave": END, "device": "laptop"}]
        elif i in (20, 21, 22):  # two devices at once, overlapping
            a = rng.randint(300, 900)
            sessions = [{"join": j, "leave": END, "device": "laptop"},
                        {"join": a, "leave": a + rng.randint(300, 1500), "device": "phone"}]
        elif i in (25, 26):  # phone first, then laptop, with a gap between
            a = rng.randint(900, 1500)
            sessions = [{"join": j, "leave": a, "device": "phone"},
                        {"join": a + rng.randint(60, 300), "leave": END, "device": "laptop"}]
        elif i in (30, 31):  # still in when the meeting ends (no leave: closed at the end)
            sessions = [{"join": j, "leave": None, "device": "laptop"}]
        elif i == 35:  # short visit
            sessions = [{"join": 2000, "leave": 2000 + rng.randint(60, 300), "device": "phone"}]
        elif i == 36:  # leaves early, comes back and leaves exactly at the end
            a = rng.randint(1000, 2000)
            sessions = [{"join": j, "leave": a, "device": "laptop"}, {"join": a + 600, "leave": END, "device": "laptop"}]
        else:
            leave = END if rng.random() < 0.6 else rng.randint(2700, END)
            sessions = [{"join": j, "leave": leave, "device": rng.choice(["laptop", "laptop", "tablet"])}]
        p["sessions"] = sessions
        people.append(p)

    expected = []
    for p in people:
        secs = expected_seconds(p["sessions"], END)
        expected.append({"name": p["name"], "email": p["email"], "customer_key": p["customer_key"],
                         "seconds": secs, "percent": round(secs * 100.0 / END, 2)})
    for p in people:
        for s in p["sessions"]:
            s["join"] = off(s["join"])
            s["leave"] = None if s["leave"] is None else off(s["leave"])
    return {
        "name": "class40",
        "description": "60-minute class: instructor + 40 learners; rejoins (11-15), two devices (20-22), "
                       "phone then laptop (25-26), late joiner (03), never joins (07), leaves after end (09), "
                       "still in at end (30-31), short visit (35), leaves and returns until the end (36)",
        "meeting": {"topic": "Class 40", "host_email": "instructor@example.com", "duration": 60, "end": off(END)},
        "late_leaves": False,
        "faults": {},
        "delivery": {},
        "people": people,
        "expected": {"meeting_seconds": END, "people": expected},
    }


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "class40.json")
    with open(out, "w", encoding="utf-8") as f:
        json.dump(build(), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
