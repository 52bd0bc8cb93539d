using System.Text.Json;

namespace SharpSpeed.Tests.Engine.Distributed;

/// <summary>One rank's report of one parity run (written by the worker's engine scenario or by an in-process run).</summary>
internal sealed record EngineRunReport(IReadOnlyDictionary<string, float[]> Weights, double[] GradNorms, int Skipped, JsonElement? Memory)
{
    public static EngineRunReport FromJson(JsonElement run)
    {
        var names = run.GetProperty("names").EnumerateArray().Select(n => n.GetString()!).ToArray();
        var flat = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(Convert.FromBase64String(run.GetProperty("weights").GetString()!)).ToArray();
        return new EngineRunReport(Split(names, flat, ReferenceTraining.Fp32Weights),
            [.. run.GetProperty("grad_norms").EnumerateArray().Select(v => v.GetDouble())],
            run.GetProperty("skipped").GetInt32(), run.GetProperty("memory"));
    }

    /// <summary>Cuts the concatenated weights by the sizes of the reference's tensors of the same names.</summary>
    public static Dictionary<string, float[]> Split(string[] names, float[] flat, IReadOnlyDictionary<string, float[]> shapes)
    {
        var result = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var offset = 0;
        foreach (var name in names)
        {
            var count = shapes[name].Length;
            result[name] = flat[offset..(offset + count)];
            offset += count;
        }
        Assert.Equal(flat.Length, offset);
        return result;
    }

    /// <summary>max |a - b| and whether every element satisfies |a - b| &lt;= atol + rtol |b| (torch.testing.assert_close's rule).</summary>
    public static (double MaxAbs, double WorstRatio) Compare(IReadOnlyDictionary<string, float[]> actual, IReadOnlyDictionary<string, float[]> expected, double rtol, double atol)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        double maxAbs = 0, worst = 0;
        foreach (var (name, reference) in expected)
        {
            var values = actual[name];
            for (var i = 0; i < reference.Length; i++)
            {
                var diff = Math.Abs((double)values[i] - reference[i]);
                maxAbs = Math.Max(maxAbs, diff);
                worst = Math.Max(worst, diff / (atol + rtol * Math.Abs(reference[i])));
            }
        }
        return (maxAbs, worst);
    }
}
