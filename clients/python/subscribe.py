#!/usr/bin/env python3
"""Minimal scribed subscriber: prints live and file transcripts as they arrive.

Copy it into your own tool. Needs python3-zmq. See docs/protocol.md.

    subscribe.py [--events ENDPOINT] [--control ENDPOINT] [--topic PREFIX] [--count N]
"""
import argparse
import json
import os

import zmq


def default_endpoint(name):
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    own = os.path.join(runtime, "scribed", name) if runtime else None
    if own and os.path.exists(own):
        return "ipc://" + own
    return "ipc:///run/scribed/" + name


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default=default_endpoint("events"))
    parser.add_argument("--control", default=default_endpoint("control"))
    parser.add_argument("--topic", default="segment.", help="topic prefix ('' for everything)")
    parser.add_argument("--count", type=int, default=0, help="exit after N events (0: never)")
    args = parser.parse_args()

    context = zmq.Context()
    events = context.socket(zmq.SUB)
    events.connect(args.events)
    events.setsockopt_string(zmq.SUBSCRIBE, args.topic)
    control = context.socket(zmq.REQ)
    control.connect(args.control)

    def replay(since):
        """Events after `since` that we missed, from the daemon's replay log."""
        control.send_json({"v": 1, "id": "replay", "cmd": "replay", "args": {"since_seq": since}})
        reply = control.recv_json()
        return reply["result"]["events"] if reply.get("ok") else []

    live = {}  # (session or job, segment) -> text of the partial being decoded
    run, last_seq, seen = None, None, 0
    while args.count == 0 or seen < args.count:
        topic, body = events.recv_multipart()
        event = json.loads(body)
        batch = [event]
        if event["run"] == run and last_seq is not None and event["seq"] > last_seq + 1:
            batch = [e for e in replay(last_seq) if e["type"].startswith(args.topic)
                     and e["seq"] < event["seq"]] + batch
        run, last_seq = event["run"], event["seq"]
        for e in batch:
            seen += 1
            key = (e.get("session") or e.get("job"), e.get("segment"))
            if e["type"] == "segment.partial":
                live[key] = e["stable"] + e["unstable"]  # replace, never append
            elif e["type"] == "segment.final":
                live.pop(key, None)
                print(f'[{e["t0_ms"] / 1000:.1f}s] {e["text"]}', flush=True)
            else:
                print(e["type"], json.dumps(e), flush=True)


if __name__ == "__main__":
    main()
