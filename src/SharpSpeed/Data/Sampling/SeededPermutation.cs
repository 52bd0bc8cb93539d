namespace SharpSpeed.Data.Sampling;

/// <summary>
/// A deterministic permutation of 0..n-1 from a 64-bit seed: Fisher-Yates driven by SplitMix64 with unbiased
/// bounded draws (Lemire's multiply-shift with rejection). It plays the role of torch's randperm(n, generator)
/// with generator.manual_seed(seed); torch's Mersenne-Twister stream is not reproduced, so the order differs
/// from PyTorch's while having the same properties (same on every rank and run for the same seed).
/// </summary>
public static class SeededPermutation
{
    public static int[] Create(int n, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var permutation = new int[n];
        for (var i = 0; i < n; i++)
        {
            permutation[i] = i;
        }
        var state = unchecked((ulong)seed);
        for (var i = n - 1; i > 0; i--)
        {
            var j = (int)Bounded(ref state, (ulong)(i + 1));
            (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
        }
        return permutation;
    }

    private static ulong Next(ref ulong state)
    {
        state = unchecked(state + 0x9E3779B97F4A7C15UL);
        var z = state;
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>A uniform draw from [0, bound) without modulo bias.</summary>
    private static ulong Bounded(ref ulong state, ulong bound)
    {
        var threshold = unchecked(0UL - bound) % bound;
        while (true)
        {
            var product = Math.BigMul(Next(ref state), bound, out var low);
            if (low >= threshold)
            {
                return product;
            }
        }
    }
}
