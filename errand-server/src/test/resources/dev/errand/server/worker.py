#!/usr/bin/env python3
"""An Errand worker in Python, standard library only, speaking the worker protocol.

Usage: worker.py BASE_URL TOKEN

It works these kinds, one job at a time, until it works a py.stop job:
  py.add      enqueues a py.result job with the sum of args a and b, then completes
  py.flaky    fails its first attempt with a ValueError, completes the next
  py.abandon  lets the lease of its first attempt expire (the server rescues it), completes the next
  py.slow     works for longer than its lease, renewing it with heartbeats, then completes
  py.stop     completes, and the worker exits
Each event is printed as one line: "<event> <job id> <attempt>".
"""
import json
import sys
import time
import traceback
import urllib.error
import urllib.request

BASE, TOKEN = sys.argv[1], sys.argv[2]
WORKER = "python-worker"
LEASE_SECONDS = 2
KINDS = ["py.add", "py.flaky", "py.abandon", "py.slow", "py.stop"]


class LeaseLost(Exception):
    pass


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + TOKEN)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as e:
        if e.code == 409:
            raise LeaseLost(json.loads(e.read())["error"])
        raise RuntimeError("%s %s: %s %s" % (method, path, e.code, e.read().decode()))


def finish(job, result, body):
    body["attempt"] = job["attempt"]
    return call("POST", "/api/worker/jobs/%d/%s" % (job["id"], result), body)


def say(event, job):
    print(event, job["id"], job["attempt"], flush=True)


def work(job):
    kind, args = job["kind"], job["args"]
    if kind == "py.add":
        call("POST", "/api/jobs", {"kind": "py.result", "args": {"sum": args["a"] + args["b"]}})
        finish(job, "complete", {})
        say("completed", job)
    elif kind == "py.flaky":
        try:
            if job["attempt"] == 1:
                raise ValueError("flaky on attempt 1")
        except ValueError as e:
            error = {"class": "ValueError", "message": str(e), "stackTrace": traceback.format_exc()}
            finish(job, "fail", {"error": error, "retryInSeconds": 0})
            say("failed", job)
            return
        finish(job, "complete", {})
        say("completed", job)
    elif kind == "py.abandon":
        if job["attempt"] == 1:
            say("abandoned", job)  # no heartbeat, no result: the lease runs out
            return
        finish(job, "complete", {})
        say("completed", job)
    elif kind == "py.slow":
        until = time.monotonic() + 2 * LEASE_SECONDS
        while time.monotonic() < until:
            time.sleep(0.2)
            beat = call("POST", "/api/worker/heartbeat",
                        {"worker": WORKER, "leaseSeconds": LEASE_SECONDS,
                         "jobs": [{"id": job["id"], "attempt": job["attempt"]}]})
            if job["id"] in beat["lost"]:
                say("lost", job)
                return
        finish(job, "complete", {})
        say("completed", job)
    elif kind == "py.stop":
        finish(job, "complete", {})
        say("stopped", job)
        sys.exit(0)


def main():
    deadline = time.monotonic() + 120  # never outlive a broken test
    while time.monotonic() < deadline:
        jobs = call("POST", "/api/worker/fetch",
                    {"worker": WORKER, "kinds": KINDS, "limit": 10, "leaseSeconds": LEASE_SECONDS})["jobs"]
        if not jobs:
            time.sleep(0.05)
        for job in jobs:
            try:
                work(job)
            except LeaseLost as e:
                print("lost", job["id"], job["attempt"], e, flush=True)
    sys.exit(3)


if __name__ == "__main__":
    main()
