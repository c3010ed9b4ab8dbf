#!/usr/bin/env python3
"""Runs one class in zoomsim for the demo: the meeting starts, learners join
(one rejoins, one joins on two devices, one comes late, one leaves early, one
never comes), and the meeting ends; zoomsim sends Zoom's signed webhooks to
zoomctld. Times are the session's own (start_time + offsets), so the
attendance report is exact however fast the demo runs.

Usage: demo_class.py SIM_URL MEETING_ID START_ISO LEARNERS_JSON"""
import datetime as dt
import json
import sys
import time
import urllib.request

sim, meeting, start_iso, learners = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
start = dt.datetime.strptime(start_iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)


def at(minutes):
    return (start + dt.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def post(path, body):
    req = urllib.request.Request(sim + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read() or b"{}")


def join(person, minute):
    return post(f"/sim/meetings/{meeting}/join", {"name": person["name"], "email": person["email"],
                                                  "customer_key": str(person["id"]), "at": at(minute)})["participant_uuid"]


def leave(uuid, minute):
    post(f"/sim/meetings/{meeting}/leave", {"participant_uuid": uuid, "at": at(minute)})


post(f"/sim/meetings/{meeting}/start", {"at": at(0)})
plans = {
    0: lambda p: join(p, 1),                                   # stays to the end
    1: lambda p: (leave(join(p, 0), 20), join(p, 25)),          # drops out, rejoins
    2: lambda p: (join(p, 2), join(p, 10)),                     # laptop and phone overlap
    3: lambda p: join(p, 35),                                   # late: 25 of 60 minutes
    4: lambda p: leave(join(p, 0), 30),                         # leaves at half time
}
for i, person in enumerate(learners):
    if i == 5:
        continue  # never comes
    plans.get(i, plans[0])(person)
post(f"/sim/meetings/{meeting}/end", {"at": at(60)})

deadline = time.time() + 30
while time.time() < deadline:
    with urllib.request.urlopen(sim + "/sim/webhooks/pending", timeout=5) as r:
        if json.loads(r.read())["pending"] == 0:
            break
    time.sleep(0.1)
with urllib.request.urlopen(sim + "/sim/webhooks", timeout=5) as r:
    deliveries = json.loads(r.read())["deliveries"]
delivered = sum(1 for d in deliveries if d["outcome"] == "delivered")
print(f"class run: {len(deliveries)} webhook deliveries, {delivered} acknowledged by zoomctld")
