# What compare.sh and profile.sh share: the named model shapes (both programs take the same flags) and how the PyTorch
# reference runs. Sourced after $root is set, not run.
shape_flags() {
  case "$1" in
    tiny) echo "--hidden_size 128 --num_layers 2 --num_heads 4 --intermediate_size 512 --vocab_size 512 --seq_length 128 --batch_size 4" ;;
    medium) echo "--hidden_size 256 --num_layers 4 --num_heads 4 --intermediate_size 688 --vocab_size 4096 --seq_length 256 --batch_size 4" ;;
    *) echo "unknown shape '$1' (tiny, medium)" >&2; return 2 ;;
  esac
}

# Debian's OpenBLAS, unpacked into .cache/ by compare.sh, for the PyTorch reference.
openblas="$root/.cache/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread"

# Each program waits for work the way it runs fastest here. PyTorch: OMP_WAIT_POLICY=PASSIVE (its OpenBLAS threads
# and OpenMP threads fight when either spins: tiny 1 x 2 gave 14,600-15,000 tokens/s PASSIVE, 6,500-12,600 with
# GOMP_SPINCOUNT=20000, 4,400-6,200 with libgomp's default). SharpSpeed: its own default, a bounded spin
# (Training/OpenMpWaiting.cs), so neither variable is set for it.
unset OMP_WAIT_POLICY GOMP_SPINCOUNT

# run_pytorch THREADS COMMAND...: the reference with PASSIVE workers, OpenBLAS first on its library path, THREADS BLAS threads.
run_pytorch() {
  local threads="$1"; shift
  OMP_WAIT_POLICY=PASSIVE LD_LIBRARY_PATH="$openblas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OPENBLAS_NUM_THREADS="$threads" "$@"
}
