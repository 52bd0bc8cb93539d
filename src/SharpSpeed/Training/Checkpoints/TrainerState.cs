using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpSpeed.Training.Checkpoints;

/// <summary>
/// trainer_state.json in HF Trainer's format (global_step, epoch, log_history with "loss"/"learning_rate"/
/// "grad_norm" and "eval_loss" entries, ...), so HF tooling that reads it works, plus SharpSpeed's own
/// "data_position" for an exact resume.
/// </summary>
public sealed class TrainerState
{
    public const string FileName = "trainer_state.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public long GlobalStep { get; set; }
    public double Epoch { get; set; }
    public long MaxSteps { get; set; }
    public double NumTrainEpochs { get; set; }
    public int LoggingSteps { get; set; }
    public int SaveSteps { get; set; }
    public int? EvalSteps { get; set; }
    public int TrainBatchSize { get; set; }
    public long NumInputTokensSeen { get; set; }
    public double TotalFlos { get; set; }
    public List<JsonObject> LogHistory { get; } = [];

    /// <summary>Where the data loader stands: the epoch and the optimizer steps already taken in it.</summary>
    public int DataEpoch { get; set; }
    public long DataStepInEpoch { get; set; }

    public void LogTrain(StepMetrics metrics) => LogHistory.Add(new JsonObject
    {
        ["epoch"] = metrics.Epoch,
        ["grad_norm"] = metrics.GradNorm,
        ["learning_rate"] = metrics.LearningRate,
        ["loss"] = metrics.Loss,
        ["step"] = metrics.Step,
    });

    public void LogEval(long step, double epoch, double loss, double runtimeSeconds) => LogHistory.Add(new JsonObject
    {
        ["epoch"] = epoch,
        ["eval_loss"] = loss,
        ["eval_perplexity"] = Math.Exp(loss),
        ["eval_runtime"] = runtimeSeconds,
        ["step"] = step,
    });

    public void Save(string directory)
    {
        var json = new JsonObject
        {
            ["best_metric"] = null,
            ["best_model_checkpoint"] = null,
            ["epoch"] = Epoch,
            ["eval_steps"] = EvalSteps,
            ["global_step"] = GlobalStep,
            ["is_hyper_param_search"] = false,
            ["is_local_process_zero"] = true,
            ["is_world_process_zero"] = true,
            ["log_history"] = new JsonArray(LogHistory.Select(entry => (JsonNode)entry.DeepClone()).ToArray()),
            ["logging_steps"] = LoggingSteps,
            ["max_steps"] = MaxSteps,
            ["num_input_tokens_seen"] = NumInputTokensSeen,
            ["num_train_epochs"] = NumTrainEpochs,
            ["save_steps"] = SaveSteps,
            ["total_flos"] = TotalFlos,
            ["train_batch_size"] = TrainBatchSize,
            ["trial_name"] = null,
            ["trial_params"] = null,
            ["sharpspeed"] = new JsonObject
            {
                ["data_position"] = new JsonObject { ["epoch"] = DataEpoch, ["step_in_epoch"] = DataStepInEpoch },
            },
        };
        File.WriteAllText(Path.Combine(directory, FileName), json.ToJsonString(Indented));
    }

    public static TrainerState Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path))?.AsObject()
                   ?? throw new InvalidDataException($"{path}: empty trainer state");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        T Read<T>(JsonNode? node, string key) =>
            node is null ? throw new InvalidDataException($"{path}: missing \"{key}\"") : node.GetValue<T>();
        var position = json["sharpspeed"]?["data_position"];
        var state = new TrainerState
        {
            GlobalStep = Read<long>(json["global_step"], "global_step"),
            Epoch = Read<double>(json["epoch"], "epoch"),
            MaxSteps = Read<long>(json["max_steps"], "max_steps"),
            NumTrainEpochs = Read<double>(json["num_train_epochs"], "num_train_epochs"),
            LoggingSteps = Read<int>(json["logging_steps"], "logging_steps"),
            SaveSteps = Read<int>(json["save_steps"], "save_steps"),
            EvalSteps = json["eval_steps"]?.GetValue<int>(),
            TrainBatchSize = Read<int>(json["train_batch_size"], "train_batch_size"),
            NumInputTokensSeen = json["num_input_tokens_seen"]?.GetValue<long>() ?? 0,
            TotalFlos = json["total_flos"]?.GetValue<double>() ?? 0,
            DataEpoch = Read<int>(position?["epoch"], "sharpspeed.data_position.epoch"),
            DataStepInEpoch = Read<long>(position?["step_in_epoch"], "sharpspeed.data_position.step_in_epoch"),
        };
        foreach (var entry in json["log_history"]?.AsArray() ?? [])
        {
            if (entry is JsonObject item)
            {
                state.LogHistory.Add((JsonObject)item.DeepClone());
            }
        }
        return state;
    }
}
