using TorchSharp;

namespace SharpSpeed.Data.Batching;

/// <summary>
/// Turns tokenized examples into a <see cref="CollatedBatch"/>, either one example per row padded to the
/// longest (<see cref="Pad"/>) or several examples per row (<see cref="Pack"/>, rows from
/// <see cref="BestFitDecreasingPacker"/>). In a packed row the first token of every sample after the first gets
/// label -100: the model's label shift would otherwise ask the previous sample's last token to predict it,
/// and with it the packed loss equals the loss of the same samples padded.
/// </summary>
public static class Collator
{
    public static CollatedBatch Pad(IReadOnlyList<TokenizedExample> examples, int padId)
    {
        ArgumentNullException.ThrowIfNull(examples);
        return Build(examples.Select(e => (IReadOnlyList<TokenizedExample>)[e]).ToList(), padId, columns: null);
    }

    /// <summary>Packs each row's examples end to end; rows are padded to <paramref name="rowLength"/> (or to the
    /// longest row when null).</summary>
    public static CollatedBatch Pack(IReadOnlyList<IReadOnlyList<TokenizedExample>> rows, int padId, int? rowLength = null) =>
        Build(rows, padId, rowLength);

    private static CollatedBatch Build(IReadOnlyList<IReadOnlyList<TokenizedExample>> rows, int padId, int? columns)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("cannot collate an empty batch", nameof(rows));
        }
        var longest = rows.Max(r => r.Sum(e => e.Length));
        var width = columns ?? longest;
        if (longest > width)
        {
            throw new ArgumentException($"a row holds {longest} tokens, more than the row length {width}", nameof(rows));
        }
        var size = rows.Count * width;
        var ids = new long[size];
        var labels = new long[size];
        var attention = new long[size];
        var segments = new long[size];
        var positions = new long[size];
        Array.Fill(ids, padId);
        Array.Fill(labels, TokenizedExample.IgnoreIndex);
        long real = 0;
        var samples = 0;
        for (var row = 0; row < rows.Count; row++)
        {
            var offset = row * width;
            var segment = 0;
            foreach (var example in rows[row])
            {
                segment++;
                samples++;
                for (var i = 0; i < example.Length; i++)
                {
                    ids[offset + i] = example.InputIds[i];
                    labels[offset + i] = segment > 1 && i == 0 ? TokenizedExample.IgnoreIndex : example.Labels[i];
                    attention[offset + i] = 1;
                    segments[offset + i] = segment;
                    positions[offset + i] = i;
                }
                offset += example.Length;
                real += example.Length;
            }
        }
        long[] shape = [rows.Count, width];
        return new CollatedBatch(
            torch.tensor(ids, shape, torch.int64),
            torch.tensor(labels, shape, torch.int64),
            torch.tensor(attention, shape, torch.int64),
            torch.tensor(segments, shape, torch.int64),
            torch.tensor(positions, shape, torch.int64),
            samples,
            real);
    }
}
