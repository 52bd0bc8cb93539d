using System.Text.Json;
using SharpSpeed.Engine;
using SharpSpeed.IO;
using SharpSpeed.Models;
using static TorchSharp.torch;

namespace SharpSpeed.Training.Checkpoints;

/// <summary>
/// DeepSpeed's zero_to_fp32 for SharpSpeed checkpoints: the ranks' fp32 master partitions put back into one flat
/// buffer (each rank's chunk of every block put back in place), cut into HF-named tensors, and written as an HF model folder (config, weights, tokenizer) in fp32 or a
/// 16-bit dtype. Works for every stage and world size: each shard states the range it owns.
/// </summary>
public static class CheckpointConsolidator
{
    public static string Consolidate(string checkpoint, string outputDir, ScalarType dtype)
    {
        var manifest = CheckpointManifest.Verify(checkpoint);
        var step = manifest.GlobalStep;
        var layout = ParameterShapes.Load(Path.Combine(checkpoint, ParameterShapes.PathIn(step))).ToLayout();
        using var flat = zeros(layout.TotalElements, dtype: ScalarType.Float32);
        var covered = 0L;
        for (var rank = 0; rank < manifest.WorldSize; rank++)
        {
            var stem = Path.Combine(checkpoint, CheckpointStore.ShardStem(step, rank));
            var record = JsonSerializer.Deserialize<EngineStateRecord>(File.ReadAllText(stem + ".json"))
                         ?? throw new InvalidDataException($"{stem}.json: empty engine state");
            var whole = record.ZeroStage == 0;
            var expected = whole ? layout.TotalElements : layout.PartitionSize;
            if (record.TotalElements != layout.TotalElements || record.OwnedElements != expected || record.Rank != rank
                || (!whole && layout.Partitions != manifest.WorldSize))
            {
                throw new InvalidDataException(
                    $"{stem}.json: rank {record.Rank} owning {record.OwnedElements} of {record.TotalElements} elements does not fit the " +
                    $"layout of {layout.TotalElements} elements in {layout.Partitions} partition(s)");
            }
            var tensors = SafetensorsReader.Load(stem + ".safetensors");
            try
            {
                var master = tensors.TryGetValue("master", out var m) && m.numel() == expected
                    ? m
                    : throw new InvalidDataException($"{stem}.safetensors: no \"master\" tensor of {expected} elements");
                if (whole)
                {
                    flat.copy_(master);
                }
                else
                {
                    foreach (var chunk in layout.OwnedChunks(rank))
                    {
                        flat.narrow(0, chunk.Flat.Start, chunk.Flat.Length).copy_(master.narrow(0, chunk.PartitionOffset, chunk.Flat.Length));
                    }
                }
                covered += expected;
            }
            finally
            {
                foreach (var tensor in tensors.Values)
                {
                    tensor.Dispose();
                }
            }
            if (whole)
            {
                break; // every rank of a stage-0 run holds the whole model: one shard is enough
            }
        }
        if (covered != layout.TotalElements)
        {
            throw new InvalidDataException($"{checkpoint}: the shards cover {covered} of {layout.TotalElements} elements");
        }

        var weights = layout.Segments.ToDictionary(
            s => s.Name, s => flat.narrow(0, s.Offset, s.Count).view(s.ShapeArray()).to(dtype), StringComparer.Ordinal);
        try
        {
            Directory.CreateDirectory(outputDir);
            StateDictFiles.Save(outputDir, weights);
            var config = ModelConfig.LoadFromDirectory(checkpoint) with { TorchDtype = ModelFolder.DtypeName(dtype) };
            File.WriteAllText(Path.Combine(outputDir, ModelConfig.ConfigFileName), config.ToConfigJson());
            File.WriteAllText(Path.Combine(outputDir, ModelConfig.GenerationConfigFileName), config.ToGenerationConfigJson());
            ModelFolder.CopyTokenizer(checkpoint, outputDir);
        }
        finally
        {
            foreach (var tensor in weights.Values)
            {
                tensor.Dispose();
            }
        }
        return outputDir;
    }
}
