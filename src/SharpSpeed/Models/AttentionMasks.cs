using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// Builds the boolean attention masks the model needs: causal (offset by the tokens already in a KV cache),
/// padding (HF's 0/1 <c>attention_mask</c>) and block-diagonal for packed rows (a segment id per token: a token
/// sees only earlier tokens of its own segment).
/// </summary>
public static class AttentionMasks
{
    /// <summary>
    /// The mask for <paramref name="queryLength"/> new tokens after <paramref name="pastLength"/> cached ones, or
    /// null when plain causal attention (no past) or full attention (one new token) says the same.
    /// </summary>
    /// <param name="paddingMask">[batch, past + queries], 1 or true for real tokens; null when nothing is padded.</param>
    /// <param name="segmentIds">[batch, queries], equal ids share a document; null when rows are not packed.</param>
    /// <param name="slidingWindow">Mistral's window: a query sees at most this many keys, itself included.</param>
    public static Tensor? Build(
        long batch, long queryLength, long pastLength, Tensor? paddingMask, Tensor? segmentIds, int? slidingWindow, Device device)
    {
        var keyLength = pastLength + queryLength;
        var windowMatters = slidingWindow is { } w && keyLength > w;
        if (paddingMask is null && segmentIds is null && !windowMatters && (pastLength == 0 || queryLength == 1))
        {
            return null;
        }
        var queryPositions = Positions(pastLength, keyLength, device).unsqueeze(1);
        var keyPositions = Positions(0, keyLength, device).unsqueeze(0);
        var allowed = keyPositions <= queryPositions;
        if (windowMatters)
        {
            using var window = slidingWindow!.Value.ToScalar();
            allowed = allowed.logical_and(keyPositions > queryPositions.sub(window));
        }
        allowed = allowed.unsqueeze(0).unsqueeze(0).expand(batch, 1, queryLength, keyLength);
        if (paddingMask is not null)
        {
            if (paddingMask.shape.Length != 2 || paddingMask.shape[0] != batch || paddingMask.shape[1] != keyLength)
            {
                throw new ArgumentException(
                    $"attention_mask has shape [{string.Join(", ", paddingMask.shape)}], expected [{batch}, {keyLength}]");
            }
            var keyIsReal = paddingMask.to(ScalarType.Bool).to(device).unsqueeze(1).unsqueeze(1);
            // A padded query still sees itself, so its softmax row is never all -inf (which would give NaN).
            var diagonal = (keyPositions == queryPositions).unsqueeze(0).unsqueeze(0);
            allowed = allowed.logical_and(keyIsReal.logical_or(diagonal));
        }
        if (segmentIds is not null)
        {
            if (pastLength != 0)
            {
                throw new ArgumentException("segment ids (packed rows) cannot be combined with a KV cache");
            }
            var segments = segmentIds.to(device);
            var sameSegment = segments.unsqueeze(1).unsqueeze(-1) == segments.unsqueeze(1).unsqueeze(2);
            allowed = allowed.logical_and(sameSegment);
        }
        return allowed;
    }

    /// <summary>The positions <paramref name="start"/> .. <paramref name="end"/> - 1 as an int64 vector.</summary>
    public static Tensor Positions(long start, long end, Device device)
    {
        using var first = start.ToScalar();
        using var stop = end.ToScalar();
        return arange(first, stop, HeldScalars.One, ScalarType.Int64, device);
    }

    /// <summary>Positions that restart at 0 at the first token of every segment: [batch, seq] int64.</summary>
    public static Tensor PositionsFromSegments(Tensor segmentIds)
    {
        var shape = segmentIds.shape;
        if (shape.Length != 2)
        {
            throw new ArgumentException($"segment ids must be [batch, seq], got [{string.Join(", ", shape)}]");
        }
        var ids = segmentIds.to(ScalarType.Int64).cpu().data<long>().ToArray();
        var positions = new long[ids.Length];
        var length = shape[1];
        for (long row = 0; row < shape[0]; row++)
        {
            long start = row * length;
            for (long t = 0; t < length; t++)
            {
                var index = row * length + t;
                if (t > 0 && ids[index] != ids[index - 1])
                {
                    start = index;
                }
                positions[index] = index - start;
            }
        }
        return tensor(positions, shape, ScalarType.Int64, segmentIds.device);
    }
}
