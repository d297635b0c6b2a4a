#!/usr/bin/env python3
"""A paced writer: task updates as people make them, at a fixed rate, for a fixed time.

Each of the connections sends the full task form (CSRF token, version, a status different from
the task's present one) on its own schedule, so that together they send RATE updates a second,
whatever the server's latency; it stops by itself after SECONDS. Tasks come from a file of
"id,version,status" lines, split between the connections so that no two race for one task.
Prints one line: sent, recorded (303), other answers, achieved rate, p50 and p99 latency in ms.
"""
import http.client
import os
import sys
import threading
import time
import urllib.parse

host, port = os.environ["BENCH_HOST"], int(os.environ["BENCH_PORT"])
cookie, csrf, origin = os.environ["BENCH_COOKIE"], os.environ["BENCH_CSRF"], os.environ["BENCH_ORIGIN"]
rate, seconds = float(sys.argv[1]), float(sys.argv[2])
connections = int(sys.argv[4]) if len(sys.argv) > 4 else 4
tasks = [line.strip().split(",") for line in open(sys.argv[3]) if line.strip()]
latencies, answers, lock = [], {}, threading.Lock()


def run(mine):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    interval = connections / rate
    start = time.monotonic()
    next_at, i = start, 0
    while next_at - start < seconds and mine:
        pause = next_at - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        task = mine[i % len(mine)]
        i += 1
        status = "not_started" if task[2] == "in_progress" else "in_progress"
        body = urllib.parse.urlencode({"csrf": csrf, "status": status, "version": task[1],
                                       "note": "", "submission": f"w{id(mine)}-{i}-{time.time()}"})
        sent = time.monotonic()
        try:
            conn.request("POST", f"/tasks/{task[0]}", body, {
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, "Origin": origin})
            response = conn.getresponse()
            response.read()
            code = response.status
        except Exception:
            conn = http.client.HTTPConnection(host, port, timeout=30)
            code = "error"
        elapsed = time.monotonic() - sent
        if code == 303:
            task[1] = str(int(task[1]) + 1)
            task[2] = status
        with lock:
            latencies.append(elapsed)
            answers[code] = answers.get(code, 0) + 1
        next_at += interval


threads = [threading.Thread(target=run, args=(tasks[k::connections],)) for k in range(connections)]
began = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
took = time.monotonic() - began
latencies.sort()
pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0
recorded = answers.get(303, 0)
print(f"{len(latencies)}\t{recorded}\t{len(latencies) - recorded}\t{recorded / took:.1f}\t{pick(0.5):.2f}\t{pick(0.99):.2f}")
