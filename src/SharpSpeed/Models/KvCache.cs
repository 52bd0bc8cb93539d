using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// Keys and values of every decoder layer for the tokens seen so far ([batch, kv_heads, seq, head_dim] each, after
/// RoPE), so that generation computes only the new token's projections at each step.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;
    private readonly Tensor?[] _values;

    public KvCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
    }

    /// <summary>Tokens cached so far (the same for every layer once a forward pass has finished).</summary>
    public long Length => _keys[0]?.shape[2] ?? 0;

    /// <summary>Appends the new keys/values of one layer and returns the full cached sequence for attention.</summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        _keys[layer] = Concatenate(_keys[layer], keys);
        _values[layer] = Concatenate(_values[layer], values);
        return (_keys[layer]!, _values[layer]!);
    }

    private static Tensor Concatenate(Tensor? past, Tensor next)
    {
        // The cache outlives the dispose scope of each generation step; the old tensor is freed at once.
        var joined = (past is null ? next.detach().clone() : cat([past, next.detach()], 2)).DetachFromDisposeScope();
        past?.Dispose();
        return joined;
    }

    public void Dispose()
    {
        foreach (var tensor in _keys.Concat(_values))
        {
            tensor?.Dispose();
        }
    }
}
