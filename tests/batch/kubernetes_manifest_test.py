"""deploy/kubernetes/scribe-batch-job.yaml stays a working Indexed Job: the
shard count the workers are given equals the Job's completions, and the
container runs `scribe batch run` with an output root on a writable volume.
Exits 77 (skipped) without PyYAML."""
import sys

try:
    import yaml
except ImportError:
    print("skipped: python3-yaml is not installed")
    sys.exit(77)

with open(sys.argv[1]) as f:
    job = yaml.safe_load(f)
spec = job["spec"]
assert job["kind"] == "Job" and spec["completionMode"] == "Indexed", spec
pod = spec["template"]["spec"]
(container,) = pod["containers"]
args = container["args"]
assert args[:2] == ["batch", "run"], args
count = int(args[args.index("--shard-count") + 1])
assert count == spec["completions"], (count, spec["completions"])
assert spec["parallelism"] <= spec["completions"]
output = args[args.index("-o") + 1]
mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
assert output in mounts and not mounts[output].get("readOnly", False), mounts
print(f"Indexed Job with {count} shards writing to {output}")
