using SharpSpeed.IO;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.IO;

/// <summary>
/// Thousands of seeded mutations of a valid small file (byte flips, random bytes, insertions, deletions,
/// truncations, mostly in the header): every outcome is a successful load or a <see cref="ModelFileException"/>.
/// </summary>
public sealed class SafetensorsFuzzTests
{
    [Fact]
    public void MutatedFilesLoadOrFailWithTheFormatError()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var valid = folder.File("valid.safetensors");
        SafetensorsWriter.Save(valid, new Dictionary<string, Tensor>
        {
            ["model.embed.weight"] = tensor(Enumerable.Range(0, 12).Select(i => (float)i).ToArray()).reshape(3, 4),
            ["model.norm.weight"] = ones(4, dtype: ScalarType.BFloat16),
            ["ids"] = tensor(new long[] { 0, 1, 2 }),
            ["flags"] = tensor(new[] { true, false }),
        });
        var original = File.ReadAllBytes(valid);
        var headerEnd = 8 + (int)BitConverter.ToUInt64(original, 0);

        var random = new Random(424242);
        int loaded = 0, rejected = 0;
        for (var i = 0; i < 3000; i++)
        {
            // In memory: the same code path as a mapped file, without thousands of slow small-file writes.
            var mutated = Mutations.Apply(original, random, limitToFirst: random.Next(10) == 0 ? null : headerEnd);
            using var iteration = NewDisposeScope();
            try
            {
                SafetensorsReader.Load(new MemoryStream(mutated), mutated.Length, "mutated.safetensors", dtype: null);
                loaded++;
            }
            catch (ModelFileException)
            {
                rejected++;
            }
        }
        Assert.Equal(3000, loaded + rejected);
        Assert.True(rejected > 2000, $"only {rejected} of 3000 mutations were rejected");
    }
}
