#!/bin/sh
# clients/python/subscribe.py against a real scribed: it must print the
# heartbeats it receives. Skips (exit 77) without python3-zmq.
set -u
scribed=$1
example=$2
python=/usr/bin/python3
[ -x "$python" ] || python=python3
"$python" -c 'import zmq' 2>/dev/null || { echo "python3-zmq not installed"; exit 77; }
dir=$(mktemp -d) || exit 1
"$scribed" --events "ipc://$dir/run/events" --control "ipc://$dir/run/control" --state-dir "$dir/state" \
  --config /dev/null --heartbeat-ms 100 2>"$dir/log" &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
out=$(timeout 20 "$python" "$example" --events "ipc://$dir/run/events" --control "ipc://$dir/run/control" \
  --topic daemon.heartbeat --count 3)
rc=$?
echo "$out"
[ $rc -eq 0 ] || { echo "subscribe.py failed ($rc)"; cat "$dir/log"; exit 1; }
[ "$(echo "$out" | grep -c '^daemon.heartbeat {')" -eq 3 ] || { echo "expected 3 heartbeats"; exit 1; }
