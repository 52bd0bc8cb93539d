# The named model shapes that compare.sh and profile.sh run; both programs take the same flags. Sourced, not run.
shape_flags() {
  case "$1" in
    tiny) echo "--hidden_size 128 --num_layers 2 --num_heads 4 --intermediate_size 512 --vocab_size 512 --seq_length 128 --batch_size 4" ;;
    medium) echo "--hidden_size 256 --num_layers 4 --num_heads 4 --intermediate_size 688 --vocab_size 4096 --seq_length 256 --batch_size 4" ;;
    *) echo "unknown shape '$1' (tiny, medium)" >&2; return 2 ;;
  esac
}
