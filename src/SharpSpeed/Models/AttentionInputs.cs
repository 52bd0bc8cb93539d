using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// What every decoder layer of one forward pass shares: the rotary tables for the positions being computed (sin with
/// its sign folded in, see <see cref="RotaryEmbedding.Tables"/>) and which keys each query may see — either plain
/// causal (<see cref="IsCausal"/>, the fast path) or an explicit boolean <see cref="Mask"/> of shape
/// [batch, 1, queries, keys] where true means "may attend".
/// </summary>
public sealed record AttentionInputs(Tensor Cos, Tensor SignedSin, Tensor? Mask, bool IsCausal, KvCache? Cache);
