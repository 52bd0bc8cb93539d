using System.Globalization;
using System.Text.Json;
using SharpSpeed.Comm;
using SharpSpeed.Engine;
using SharpSpeed.IO;
using SharpSpeed.Models;
using SharpSpeed.Models.Adapters;
using static TorchSharp.torch;

namespace SharpSpeed.Training.Checkpoints;

/// <summary>
/// Writes and reads a run's checkpoints, DeepSpeed style: the model as an HF folder in its training dtype
/// (rank 0), one <c>global_step&lt;N&gt;/zero_pp_rank_&lt;r&gt;_optim_states.safetensors</c> (+ .json) per rank with
/// that rank's fp32 master weights and Adam moments, each rank's RNG state, and trainer_state.json. Collective:
/// every rank calls <see cref="Save"/> and <see cref="Restore"/>. With a LoRA <paramref name="adapter"/> the model part is
/// the PEFT adapter folder instead (the frozen base never changes); a resume rebuilds the base from the run's model.
/// </summary>
public sealed class CheckpointStore(CheckpointDirectory directory, ProcessGroup group, string tokenizerPath, LoraConfig? adapter = null)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public CheckpointDirectory Directory { get; } = directory;

    public static string ShardStem(long step, int rank) =>
        Path.Combine("global_step" + step.ToString(CultureInfo.InvariantCulture),
            $"zero_pp_rank_{rank.ToString(CultureInfo.InvariantCulture)}_optim_states");

    public string Save(long step, LlamaForCausalLM model, TrainingEngine engine, TrainerState state, int? saveTotalLimit)
    {
        var temporary = Directory.TemporaryPathFor(step);
        if (group.Rank == 0)
        {
            if (System.IO.Directory.Exists(temporary))
            {
                System.IO.Directory.Delete(temporary, recursive: true);
            }
            System.IO.Directory.CreateDirectory(temporary);
        }
        group.Barrier();

        var stem = Path.Combine(temporary, ShardStem(step, group.Rank));
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(stem)!);
        var shard = engine.CaptureState();
        try
        {
            var tensors = new Dictionary<string, Tensor>(shard.Tensors, StringComparer.Ordinal)
            {
                ["rng_state"] = get_rng_state(),
            };
            SafetensorsWriter.Save(stem + ".safetensors", tensors);
            File.WriteAllText(stem + ".json", JsonSerializer.Serialize(shard.Record, Indented));
            tensors["rng_state"].Dispose();
        }
        finally
        {
            foreach (var tensor in shard.Tensors.Values)
            {
                tensor.Dispose();
            }
        }

        SaveModel(temporary, model, engine, gatherWeights: engine.SavesConsolidatedWeights);
        if (group.Rank == 0)
        {
            ParameterShapes.FromLayout(engine.Layout).Save(Path.Combine(temporary, ParameterShapes.PathIn(step)));
            ModelFolder.CopyTokenizer(tokenizerPath, temporary);
            state.Save(temporary);
        }
        group.Barrier();
        string published = Directory.PathFor(step);
        if (group.Rank == 0)
        {
            CheckpointManifest.Write(temporary, step, group.WorldSize, engine.ZeroStage);
            published = Directory.Publish(step);
            Directory.Rotate(saveTotalLimit);
        }
        group.Barrier();
        return published;
    }

    /// <summary>
    /// Writes what a run produces into <paramref name="folder"/>: the HF model (rank 0; its weights consolidated from
    /// the engine under ZeRO-3, where they live partitioned), or with LoRA the adapter folder in the model's dtype.
    /// Collective. Without <paramref name="gatherWeights"/> (ZeRO-3 without stage3_gather_16bit_weights_on_model_save)
    /// only config.json is written: the checkpoint's shards are the weights, and `convert` consolidates them.
    /// </summary>
    public void SaveModel(string folder, LlamaForCausalLM model, TrainingEngine engine, bool gatherWeights = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(engine);
        if (adapter is null)
        {
            using var weights = gatherWeights ? ModelWeights.Collect(model, engine) : null;
            if (group.Rank == 0)
            {
                if (weights is not null)
                {
                    ModelFolder.Save(model.Config, weights.Tensors, folder);
                }
                else
                {
                    ModelFolder.SaveConfig(model.Config, model.parameters().First().dtype, folder);
                }
            }
            return;
        }
        var dtype = model.ParameterUnits()[0].Parameters[0].Parameter.dtype;
        var adapterWeights = engine.ConsolidatedWeights(dtype);
        try
        {
            if (group.Rank == 0)
            {
                AdapterFolder.Save(folder, adapter, adapterWeights);
            }
        }
        finally
        {
            foreach (var tensor in adapterWeights.Values)
            {
                tensor.Dispose();
            }
        }
    }

    /// <summary>
    /// Loads this rank's shard of <paramref name="checkpoint"/> into <paramref name="engine"/> (whose model was
    /// built from the checkpoint's folder) and returns the trainer state. Refuses a checkpoint of another world size.
    /// </summary>
    public TrainerState Restore(string checkpoint, TrainingEngine engine)
    {
        var manifest = CheckpointManifest.Verify(checkpoint);
        if (manifest.WorldSize != group.WorldSize)
        {
            throw new InvalidOperationException(
                $"{checkpoint} was written by {manifest.WorldSize} rank(s); this job has {group.WorldSize}: resume with " +
                $"--nproc_per_node {manifest.WorldSize}, or run `sharpspeed convert` and start a new run from the consolidated model");
        }
        var stem = Path.Combine(checkpoint, ShardStem(manifest.GlobalStep, group.Rank));
        var record = JsonSerializer.Deserialize<EngineStateRecord>(File.ReadAllText(stem + ".json"))
                     ?? throw new InvalidDataException($"{stem}.json: empty engine state");
        var tensors = SafetensorsReader.Load(stem + ".safetensors");
        try
        {
            engine.RestoreState(new EngineState(record, tensors));
            if (tensors.TryGetValue("rng_state", out var rng))
            {
                set_rng_state(rng);
            }
        }
        finally
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
        }
        return TrainerState.Load(checkpoint);
    }
}
