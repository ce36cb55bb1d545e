#!/bin/bash
# deploy/slurm/scribe-batch.sbatch on a real Slurm: munged, slurmctld and
# slurmd started in the foreground from a temporary folder as a one-node
# cluster, the recipe submitted as a 3-task array over a small archive (a
# duplicate and a corrupt file among the inputs), waited for, and checked
# with `scribe batch status --json`; then the array runs again and must do
# no work. Exits 77 (skipped) only where Slurm is not installed.
# Usage: slurm_test.sh SCRIBE_BINARY SBATCH_RECIPE GOLDEN_DIR
set -euo pipefail
scribe=$1 recipe=$2 golden=$3

for tool in munged slurmctld slurmd sbatch sinfo python3; do
  command -v "$tool" >/dev/null || { echo "skipped: $tool is not installed (scripts/deps installs Slurm)"; exit 77; }
done

dir=$(mktemp -d /tmp/scribed-slurm-XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for log in "$dir"/*.log "$dir"/out-logs/*; do [[ -f $log ]] && { echo "== $log"; tail -n 30 "$log"; }; done
  exit 1
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# munge: a private key and socket for this cluster only.
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/out-logs"
chmod 711 "$dir/munge"
dd if=/dev/urandom of="$dir/munge/key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/key"
munged --foreground --force --key-file="$dir/munge/key" --socket="$dir/munge/sock" \
  --pid-file="$dir/munge/pid" --log-file="$dir/munge.log" --seed-file="$dir/munge/seed" \
  >"$dir/munged.out.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -S $dir/munge/sock ]] && break; sleep 0.1; done
[[ -S $dir/munge/sock ]] || fail "munged did not start"

host=$(hostname -s)
node=$(slurmd -C | head -n 1)
cat >"$dir/slurm.conf" <<CONF
ClusterName=scribedtest
SlurmctldHost=$host
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/sock
SlurmUser=$(id -un)
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
$node State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF=$dir/slurm.conf
slurmctld -D -i -f "$SLURM_CONF" >"$dir/slurmctld.out.log" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >"$dir/slurmd.out.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
  state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
  [[ $state == idle* ]] && break
  sleep 0.2
done
[[ ${state:-} == idle* ]] || fail "the node did not come up (state: ${state:-none})"

# The archive: four distinct clips of the golden speech, one duplicate, one
# file that is not audio; the tiny test model.
"$scribe" debug make-model --config "$golden/case-a-text.json" --vocab "$golden/gemma4-vocab.gguf" \
  -o "$dir/m.gguf" --mmproj "$dir/p.gguf" >/dev/null
python3 - "$golden/speech16k.wav" "$dir/archive" <<'PY'
import os, sys, wave
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out)
with wave.open(src) as w:
    params, frames = w.getparams(), w.readframes(w.getnframes())
width = params.sampwidth * params.nchannels
for i in range(4):
    start, length = int(0.2 * i * params.framerate), int((0.5 + 0.1 * i) * params.framerate)
    with wave.open(os.path.join(out, f"clip{i}.wav"), "wb") as c:
        c.setparams(params)
        c.writeframes(frames[start * width:(start + length) * width])
PY
cp "$dir/archive/clip2.wav" "$dir/archive/again.wav"
printf 'RIFF....WAVEfmt not a recording' >"$dir/archive/broken.wav"

submit() {
  sbatch --wait --array=0-2 --cpus-per-task=1 --output="$dir/out-logs/task-%A_%a.log" \
    --export=ALL,SCRIBE_BIN="$scribe",SCRIBE_MODEL="$dir/m.gguf",SCRIBE_MMPROJ="$dir/p.gguf",SCRIBE_BATCH_ARGS="--mode verbatim --format json,srt" \
    "$recipe" "$dir/archive" "$dir/out" >/dev/null
}
submit || fail "the array failed"
status=$("$scribe" batch status "$dir/out" --json)
python3 - "$status" <<'PY' || fail "unexpected status: $status"
import json, sys
s = json.loads(sys.argv[1])
assert (s["done"], s["failed"], s["pending"], s["running"]) == (5, 1, 0, 0), s
failed = [i for i in s["inputs"] if i["state"] == "failed"]
assert failed[0]["path"].endswith("broken.wav") and "not a recognised" in failed[0]["error"], failed
assert len({i["sha256"] for i in s["inputs"] if i["state"] == "done"}) == 4
PY
transcribed=$(cat "$dir"/out-logs/task-* | grep -c ': done in ' || true)
[[ $transcribed -eq 4 ]] || fail "expected 4 recordings transcribed once each, got $transcribed"

# The same array again: every task only verifies.
rm -f "$dir"/out-logs/task-*
submit || fail "the second array failed"
if grep -h 'transcribing' "$dir"/out-logs/task-*; then fail "the rerun transcribed again"; fi
echo "slurm: 3-task array transcribed 4 recordings once each, rerun did no work"
