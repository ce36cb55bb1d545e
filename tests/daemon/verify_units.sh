#!/bin/sh
# systemd-analyze verify on the configured units, with ExecStart pointed at the
# built binary. Any message (systemd-analyze exits 0 on unknown keys and bad
# values and only prints them) fails the test. Skips (exit 77) without
# systemd-analyze.
set -u
binary=$1
shift
command -v systemd-analyze >/dev/null 2>&1 || { echo "systemd-analyze not installed"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
status=0
for unit in "$@"; do
  sed "s|^ExecStart=[^ ]*/scribed|ExecStart=$binary|" "$unit" > "$dir/scribed.service"
  out=$(systemd-analyze verify "$dir/scribed.service" 2>&1)
  rc=$?
  if [ $rc -ne 0 ] || [ -n "$out" ]; then
    echo "$unit: systemd-analyze verify (rc $rc):"
    echo "$out"
    status=1
  fi
done
exit $status
