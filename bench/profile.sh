#!/usr/bin/env bash
# Where a step's time goes, SharpSpeed and PyTorch side by side: `sharpspeed bench train --ops` and
# `bench/pytorch_reference.py --ops` time the same parts of the model (forward and backward of each alone, medians),
# two GEMMs, AdamW and one tiny op, at the tiny and medium shapes of compare.sh, on the same threads.
#   bench/profile.sh [--threads N] [--repeats N] [--shapes "tiny medium"]
# Needs what compare.sh needs (it unpacks OpenBLAS for the PyTorch side the same way; run compare.sh once first).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
threads="$(nproc)" repeats=20 shapes="tiny medium"
while [ $# -gt 0 ]; do
  case "$1" in
    --threads) threads="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --shapes) shapes="$2"; shift 2 ;;
    *) echo "profile.sh: unknown argument '$1' (use --threads, --repeats, --shapes)" >&2; exit 2 ;;
  esac
done
. bench/common.sh
[ -f "$openblas/libblas.so.3" ] || echo "profile.sh: no OpenBLAS in .cache/openblas (run bench/compare.sh once); PyTorch uses the system BLAS" >&2
./sharpspeed --help >/dev/null
mkdir -p bench/results
for shape in $shapes; do
  flags="$(shape_flags "$shape")" || exit 2
  read -r -a common <<<"--steps $repeats $flags"
  ./sharpspeed bench train --ops --json --threads "$threads" "${common[@]}" >"bench/results/ops-sharpspeed-$shape.json"
  run_pytorch "$threads" /usr/bin/python3 bench/pytorch_reference.py --ops --threads "$threads" "${common[@]}" >"bench/results/ops-pytorch-$shape.json"
done
/usr/bin/python3 - $shapes <<'EOF'
import json, sys
for shape in sys.argv[1:]:
    s = json.load(open(f"bench/results/ops-sharpspeed-{shape}.json"))
    p = json.load(open(f"bench/results/ops-pytorch-{shape}.json"))
    print(f"## {shape}: batch {s['batch_size']} x seq {s['seq_length']}, hidden {s['hidden_size']}, {s['threads']} thread(s); medians in ms")
    print(f"| part | SharpSpeed fwd | PyTorch fwd | SharpSpeed bwd | PyTorch bwd | S/P (fwd+bwd) |")
    print("|---|---|---|---|---|---|")
    for a, b in zip(s["parts"], p["parts"]):
        total_s, total_p = a["forward_ms"] + a["backward_ms"], b["forward_ms"] + b["backward_ms"]
        print(f"| {a['part']} | {a['forward_ms']:.3f} | {b['forward_ms']:.3f} | {a['backward_ms']:.3f} | {b['backward_ms']:.3f} | {total_s / total_p:.2f} |")
EOF
