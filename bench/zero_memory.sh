#!/usr/bin/env bash
# The ZeRO paper's per-rank model-state table, measured: `sharpspeed bench train --json` at 2 and 3 ranks for ZeRO
# stages 0-3, with and without CPU offload, prints rank 0's engine-held bytes by kind (the memory ledger's high-water
# marks within the timed steps), the exposed gradient-communication time and tokens/s, as one Markdown table.
#   bench/zero_memory.sh [--steps N] [--ranks "2 3"] [extra bench train flags, e.g. --hidden_size 256 --num_layers 4]
# JSON reports are kept in bench/results/zero-memory.jsonl. Needs: .NET SDK 10, OpenMPI, python3 (for the table).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

steps=5 ranks_list="2 3" extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --ranks) ranks_list="$2"; shift 2 ;;
    *) extra+=("$1"); shift ;;
  esac
done
./sharpspeed --help >/dev/null # builds the CLI (Release) when any source is newer than the last build
mkdir -p bench/results
out=bench/results/zero-memory.jsonl
: >"$out"
for ranks in $ranks_list; do
  for setup in "0" "1" "2" "2 --offload_optimizer" "3" "3 --offload_optimizer --offload_param"; do
    read -r stage flags <<<"$setup"
    # shellcheck disable=SC2086
    ./sharpspeed launch --nproc_per_node "$ranks" bench train --json --zero_stage "$stage" $flags \
      --steps "$steps" --warmup 2 "${extra[@]}" >>"$out"
  done
done
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
mib = lambda b: f"{b / 2**20:.2f}"
print("| ranks | stage | offload | parameters | gradients | master | optimizer | buckets | peak | on device | on host | exposed comm ms/step | tokens/s |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    m = r["memory_bytes"]
    off = "+".join(k for k in ("offload_optimizer", "offload_param") if r[k]) or "-"
    print(f"| {r['world_size']} | {r['zero_stage']} | {off} | {mib(m['parameters'])} | {mib(m['gradients'])} | {mib(m['master'])} | "
          f"{mib(m['optimizer'])} | {mib(m['buckets'])} | {mib(m['peak'])} | {mib(m['device_peak'])} | {mib(m['host_resident'])} | {r['exposed_comm_ms']} | {r['tokens_per_s']:.0f} |")
print(f"\nMiB per rank 0 (engine-held tensors only, not activations); {rows[0]['params']:,} parameters" if rows else "no results")
PY
