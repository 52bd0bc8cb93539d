#!/usr/bin/env bash
# SharpSpeed vs PyTorch, side by side: builds SharpSpeed, trains the same tiny LLaMA with `sharpspeed bench train`
# and with bench/pytorch_reference.py (Debian's python3-torch, DDP over gloo) at 1 and 2 ranks, with the same threads
# per rank (the machine's cores / ranks), at two shapes (tiny and medium), and prints tokens/s of both, their ratio
# and each one's peak resident memory per rank.
#   bench/compare.sh [--steps N] [--warmup N] [--repeats N] [--cores N] [--shapes "tiny medium"]
# Each configuration runs --repeats times (default 3) and the best tokens/s counts. Every JSON report is kept in
# bench/results/ (created). Needs: .NET SDK 10, OpenMPI, /usr/bin/python3 with python3-torch.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

steps=20 warmup=3 repeats=3 cores="$(nproc)" shapes="tiny medium"
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --cores) cores="$2"; shift 2 ;;
    --shapes) shapes="$2"; shift 2 ;;
    *) echo "compare.sh: unknown argument '$1' (use --steps, --warmup, --repeats, --cores, --shapes)" >&2; exit 2 ;;
  esac
done
python=/usr/bin/python3
if ! OMP_WAIT_POLICY=PASSIVE "$python" -c 'import torch' 2>/dev/null; then
  echo "compare.sh: $python cannot import torch: apt-get install -y python3-torch python3-numpy" >&2
  exit 2
fi
. bench/common.sh

# Debian's torch calls whatever libblas.so.3 the system selects; the default is the netlib reference BLAS, ~15x slower
# at matmuls than a tuned one, which would make PyTorch look far slower than it is. OpenBLAS is unpacked from Debian's
# own package into .cache/ (no root, nothing installed system-wide) and put first on the reference's library path.
blas_note="system libblas.so.3"
if [ ! -f "$openblas/libblas.so.3" ] && command -v apt-get >/dev/null; then
  tmp="$(mktemp -d)"; mkdir -p "$root/.cache/openblas"
  if (cd "$tmp" && apt-get download libopenblas0-pthread >/dev/null 2>&1) && dpkg -x "$tmp"/libopenblas0-pthread_*.deb "$root/.cache/openblas"; then
    echo "compare.sh: unpacked Debian's OpenBLAS into .cache/openblas for the PyTorch reference" >&2
  fi
  rm -rf "$tmp"
fi
if [ -f "$openblas/libblas.so.3" ]; then
  blas_note="OpenBLAS $(basename "$(ls "$openblas"/libopenblasp-r*.so)" .so | sed 's/libopenblasp-r//') (Debian package, .cache/openblas)"
else
  echo "compare.sh: OpenBLAS not available; PyTorch runs on the system BLAS and the ratios overstate SharpSpeed" >&2
fi

./sharpspeed --help >/dev/null # builds the CLI (Release) when any source is newer than the last build
mkdir -p bench/results

best() { # best tokens/s of the JSON lines in file $1, and that line
  "$python" -c 'import json,sys; rows=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; print(json.dumps(max(rows, key=lambda r: r["tokens_per_s"])))' "$1"
}

for shape in $shapes; do
  flags="$(shape_flags "$shape")" || exit 2
  read -r -a common <<<"--steps $steps --warmup $warmup $flags"
  for ranks in 1 2; do
    threads=$(( cores / ranks )); [ "$threads" -lt 1 ] && threads=1
    ours="bench/results/sharpspeed-$shape-${ranks}rank.jsonl" theirs="bench/results/pytorch-$shape-${ranks}rank.jsonl"
    : >"$ours"; : >"$theirs"
    for _ in $(seq "$repeats"); do
      if [ "$ranks" -eq 1 ]; then
        ./sharpspeed bench train --json --threads "$threads" "${common[@]}" >>"$ours"
      else
        ./sharpspeed launch --nproc_per_node "$ranks" bench train --json "${common[@]}" >>"$ours"
      fi
      run_pytorch "$threads" "$python" bench/pytorch_reference.py --nproc "$ranks" --threads "$threads" "${common[@]}" >>"$theirs"
    done
    best "$ours" >"bench/results/sharpspeed-$shape-${ranks}rank.best.json"
    best "$theirs" >"bench/results/pytorch-$shape-${ranks}rank.best.json"
  done
done

"$python" - "$blas_note" "$repeats" $shapes <<'EOF'
import json, sys
blas, repeats, shapes = sys.argv[1], sys.argv[2], sys.argv[3:]
load = open("/proc/loadavg").read().split()[:3]
print(f"# best of {repeats} runs per row; fp32, AdamW; PyTorch: Debian torch with {blas}; load average now {' '.join(load)}")
print("# OpenMP waiting: PyTorch OMP_WAIT_POLICY=PASSIVE (its fastest here), SharpSpeed its own bounded spin (GOMP_SPINCOUNT 10,000)")
print("# peak RSS: rank 0's resident high-water mark (the whole process: runtime, libraries, model, activations)")
for shape in shapes:
    s = json.load(open(f"bench/results/sharpspeed-{shape}-1rank.best.json"))
    print(f"## {shape}: {s['params']:,} parameters (vocab {s['vocab_size']}, hidden {s['hidden_size']}, {s['num_layers']} layers, "
          f"{s['num_heads']} heads, intermediate {s['intermediate_size']}), seq {s['seq_length']}, batch {s['batch_size']} per rank")
    print(f"{'ranks x threads':<16}{'SharpSpeed tok/s':>18}{'PyTorch tok/s':>15}{'ratio':>8}   {'SharpSpeed fwd/bwd/opt ms':>26}"
          f"{'PyTorch fwd/bwd/opt ms':>24}{'MFU S/P':>14}{'peak RSS MiB S/P':>19}")
    for ranks in (1, 2):
        s = json.load(open(f"bench/results/sharpspeed-{shape}-{ranks}rank.best.json"))
        p = json.load(open(f"bench/results/pytorch-{shape}-{ranks}rank.best.json"))
        split = lambda r: f"{r['forward_ms']:.1f}/{r['backward_ms']:.1f}/{r['optimizer_ms']:.1f}"
        rss = f"{s['peak_rss_bytes'] / 2**20:.0f}/{p['peak_rss_bytes'] / 2**20:.0f}"
        print(f"{str(ranks) + ' x ' + str(s['threads_per_rank']):<16}{s['tokens_per_s']:>18,.0f}{p['tokens_per_s']:>15,.0f}"
              f"{s['tokens_per_s'] / p['tokens_per_s']:>8.2f}   {split(s):>26}{split(p):>24}"
              f"{s['mfu'] * 100:>7.1f}/{p['mfu'] * 100:.1f}%{rss:>19}")
EOF
