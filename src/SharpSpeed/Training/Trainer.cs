using System.Diagnostics;
using SharpSpeed.Comm;
using SharpSpeed.Engine;
using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Precision;
using SharpSpeed.IO;
using SharpSpeed.Models;
using SharpSpeed.Training.Checkpoints;
using SharpSpeed.Training.Reporting;
using static TorchSharp.torch;

namespace SharpSpeed.Training;

/// <summary>
/// The training run, HF Trainer style: model and data set up on every rank, the engine (DDP / ZeRO) doing the
/// steps, logging, evaluation, checkpoints, and the final model and report written by rank 0.
/// </summary>
public sealed class Trainer
{
    public const string BundledTokenizer = "tokenizers/deepseek-tiny";

    private readonly TrainingArguments _args;
    private readonly IReadOnlySet<string> _givenFlags;
    private readonly TextWriter _log;
    private readonly bool _interactive;

    public Trainer(TrainingArguments args, IReadOnlySet<string> givenFlags, TextWriter log, bool interactive)
    {
        _args = args;
        _givenFlags = givenFlags;
        _log = log;
        _interactive = interactive;
    }

    public TrainingOutcome Run()
    {
        var problems = _args.Problems().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }
        return ProcessGroups.Create(_args.DdpBackend ?? "auto").RunAndDispose(Run);
    }

    private TrainingOutcome Run(ProcessGroup group)
    {
        var isMain = group.Rank == 0;
        void Say(string message)
        {
            if (isMain)
            {
                _log.WriteLine(message);
            }
        }

        var device = ComputeDevice.Resolve(_args.Device);
        if (device.type != TorchSharp.DeviceType.CPU)
        {
            throw new NotSupportedException(
                $"--device {_args.Device}: training on CUDA devices is not implemented in this version (the engine's flat " +
                "buffers and the mpi backend are CPU-only); use --device cpu");
        }
        var threads = RankThreads.Apply();
        var processSettings = ProcessSettings.Apply();
        manual_seed(_args.Seed);

        var checkpoints = new CheckpointDirectory(_args.OutputDir);
        // "auto" (what launch's restarts pass): the newest checkpoint that verifies (torn ones skipped, saying why), else a fresh start.
        var automatic = string.Equals(_args.ResumeFromCheckpoint, "auto", StringComparison.OrdinalIgnoreCase);
        var resumePath = _args.ResumeFromCheckpoint is not { } resume ? null
            : automatic ? checkpoints.ResolveAutomatic(Say)
            : checkpoints.ResolveResume(resume);
        // Only checked here: nothing in output_dir changes until everything below has loaded (RunOutputDirectory).
        var outputDir = isMain
            ? RunOutputDirectory.Check(checkpoints, resuming: resumePath is not null, _args.OverwriteOutputDir, replaceUncheckpointed: automatic)
            : null;
        group.Barrier();

        // Precision and batch sizes first (a DeepSpeed file may set them); the real step count once the data is known.
        // A LoRA checkpoint holds only the adapters: the frozen base always comes from the run's model.
        var lora = AdapterArguments.Lora(_args);
        var modelDir = lora is null ? resumePath ?? _args.ModelNameOrPath : _args.ModelNameOrPath;
        var hidden = (modelDir is null ? NamedModelConfigs.Tiny : ModelConfig.LoadFromDirectory(modelDir)).HiddenSize;
        var deepSpeed = _args.Deepspeed is { } path ? DeepSpeedFile.Read(path) : null;
        var provisional = RunSettings.Resolve(_args, deepSpeed, group.WorldSize, _givenFlags, totalSteps: null, hidden);
        var dtype = provisional.Precision switch
        {
            TrainingPrecision.Bf16 => ScalarType.BFloat16,
            TrainingPrecision.Fp16 => ScalarType.Float16,
            _ => ScalarType.Float32,
        };
        // A ZeRO-3 checkpoint saved without consolidated weights holds only config.json: the engine state restores the values.
        using var model = modelDir is null
            ? LlamaForCausalLM.CreateRandom(NamedModelConfigs.Tiny, _args.Seed, dtype)
            : lora is null && resumePath is not null && !StateDictFiles.HasWeights(resumePath)
                ? LlamaForCausalLM.CreateRandom(ModelConfig.LoadFromDirectory(resumePath), _args.Seed, dtype)
                : ModelFolder.Load(modelDir, dtype);
        AdapterArguments.Apply(model, _args, lora, Say);
        model.GradientCheckpointing = _args.GradientCheckpointing;
        model.train();
        var tokenizerPath = modelDir ?? BundledAssets.Locate(BundledTokenizer);
        ModelInputChecks.TokenizerFits(Data.Tokenization.HfTokenizer.FromPath(tokenizerPath), model.Config, modelDir);
        ModelInputChecks.SequenceLengthFits(_args.MaxSeqLength, model.Config, modelDir);
        var modelName = _args.ModelNameOrPath ?? "tiny (bundled DeepSeek architecture, random init)";
        Say($"sharpspeed train: {group.WorldSize} rank(s) [{group.Backend}], {threads} thread(s) per rank; model {modelName}, " +
            $"{model.Config.ParameterCount():N0} parameters, {provisional.Precision}");
        foreach (var line in processSettings)
        {
            Say(line);
        }

        using var data = TrainingData.Load(_args, tokenizerPath, provisional.MicroBatchSize, group.Rank, group.WorldSize, Say);
        var microPerEpoch = data.Sampler.BatchesPerEpoch;
        var stepsPerEpoch = microPerEpoch / provisional.GradientAccumulationSteps;
        if (stepsPerEpoch == 0)
        {
            throw new InvalidOperationException(
                $"the training split has {data.Train.Count} examples: {microPerEpoch} micro-batches of {provisional.MicroBatchSize} " +
                $"per rank, fewer than --gradient_accumulation_steps {provisional.GradientAccumulationSteps}: lower one of them");
        }
        var totalSteps = _args.MaxSteps > 0 ? _args.MaxSteps : (long)Math.Ceiling(_args.NumTrainEpochs * stepsPerEpoch);
        var epochs = (int)((totalSteps + stepsPerEpoch - 1) / stepsPerEpoch);
        var settings = RunSettings.Resolve(_args, deepSpeed, group.WorldSize, _givenFlags, totalSteps, hidden);
        var schedule = settings.Schedule(_args, totalSteps);
        foreach (var note in settings.DeepSpeed?.Notes ?? [])
        {
            Say(note);
        }
        Say($"data: {data.Train.Count} training examples ({data.Prepared.Origin} token cache), " +
            $"{data.Validation?.Count ?? 0} validation; {stepsPerEpoch} steps per epoch, {totalSteps} steps in {epochs} epoch(s); " +
            $"global batch {settings.GlobalBatchSize} = micro {settings.MicroBatchSize} x accumulation " +
            $"{settings.GradientAccumulationSteps} x ranks {group.WorldSize}; ZeRO stage {settings.ZeroStage}");

        using var engine = new TrainingEngine(model, settings.EngineOptions(schedule), group, Say);
        var store = new CheckpointStore(checkpoints, group, tokenizerPath, lora);
        var state = resumePath is null ? NewState(totalSteps, settings) : store.Restore(resumePath, engine);
        if (resumePath is not null)
        {
            Say($"resumed from {resumePath} at step {state.GlobalStep} (epoch {state.DataEpoch}, micro-batch {state.DataStepInEpoch})");
        }

        outputDir?.Prepare(state.GlobalStep);
        group.Barrier();

        var peak = ComputeBudget.MeasureGroupPeak(group);
        var loop = new TrainingLoop(settings, model, engine, group, data, store, state, _log, _interactive && isMain && !_args.DisableTqdm);
        var baseline = ProcessMemory.ResidentBytes();
        var result = loop.Run(totalSteps, epochs, stepsPerEpoch);
        var activationPeak = Math.Max(0, ProcessMemory.PeakResidentBytes() - baseline);

        var memory = GatherMemory(group, engine.Memory, activationPeak);
        foreach (var rank in memory)
        {
            Say($"memory rank {rank.Rank}: parameters {RunReport.Bytes(rank.ParameterBytes)}, gradients {RunReport.Bytes(rank.GradientBytes)}, " +
                $"fp32 master {RunReport.Bytes(rank.MasterWeightBytes)}, optimizer states {RunReport.Bytes(rank.OptimizerStateBytes)}, " +
                $"buckets {RunReport.Bytes(rank.BucketBytes)}, working memory peak {RunReport.Bytes(rank.ActivationPeakBytes)}");
        }
        store.SaveModel(_args.OutputDir, model, engine);
        if (isMain)
        {
            ModelFolder.CopyTokenizer(tokenizerPath, _args.OutputDir);
            state.Save(_args.OutputDir);
        }
        var summary = RunReporting.Summarize(_args, settings, model.Config, modelName, group, result, memory, peak, totalSteps);
        if (isMain && ScoreAnswers(model, engine, tokenizerPath, adapters: lora is not null) is { } score)
        {
            Say($"validation questions answered correctly by greedy generation: {score.Correct}/{score.Total} ({score.Share * 100:F1}%)");
            summary = summary with
            {
                Answers = new AnswerSummary(score.Correct, score.Total,
                    score.Examples.Take(8).Select(e => (e.Answer.Question, e.Answer.Answer, e.Reply)).ToList()),
            };
        }
        if (isMain)
        {
            RunReporting.Write(_args.OutputDir, summary, result);
            Say($"done: {result.Steps.Count} steps in {summary.WallTime:hh\\:mm\\:ss}, loss {summary.FirstLoss:F4} -> " +
                $"{summary.LastLoss:F4}, eval loss {summary.EvalLoss:F4}, {summary.Throughput.TokensPerSecond:F0} tokens/s, " +
                $"MFU {summary.Throughput.Mfu * 100:F2}%; model and report.md in {_args.OutputDir}");
        }
        group.Barrier();
        return new TrainingOutcome(_args.OutputDir, summary);
    }

    /// <summary>Greedy answers on rank 0 alone: under ZeRO-3 from the saved model, as the partitioned one would need every rank.</summary>
    private AnswerScore? ScoreAnswers(LlamaForCausalLM model, TrainingEngine engine, string tokenizerPath, bool adapters)
    {
        if (!engine.PartitionsParameters)
        {
            return AnswerScoring.Run(model, _args, tokenizerPath);
        }
        if (adapters)
        {
            _log.WriteLine("answer scoring skipped: under ZeRO-3 the adapters live partitioned; `generate --adapter` scores the saved adapter");
            return null;
        }
        using var saved = ModelFolder.Load(_args.OutputDir);
        return AnswerScoring.Run(saved, _args, tokenizerPath);
    }

    private TrainerState NewState(long totalSteps, RunSettings settings) => new()
    {
        MaxSteps = totalSteps,
        NumTrainEpochs = _args.NumTrainEpochs,
        LoggingSteps = settings.LoggingSteps,
        SaveSteps = _args.SaveSteps,
        EvalSteps = _args.EvalSteps,
        TrainBatchSize = settings.MicroBatchSize,
    };

    private static List<RankMemory> GatherMemory(ProcessGroup group, MemoryAccount account, long activationPeak)
    {
        long[] mine = [account.Parameters, account.Gradients, account.MasterWeights, account.OptimizerStates, account.Buckets, activationPeak];
        using var local = tensor(mine, dtype: ScalarType.Int64);
        using var all = zeros(mine.Length * group.WorldSize, dtype: ScalarType.Int64);
        group.AllGather(local, all);
        var values = all.data<long>().ToArray();
        return Enumerable.Range(0, group.WorldSize)
            .Select(r => values.AsSpan(r * mine.Length, mine.Length).ToArray())
            .Select((v, r) => new RankMemory(r, v[0], v[1], v[2], v[3], v[4], v[5]))
            .ToList();
    }
}

public sealed record TrainingOutcome(string OutputDir, RunSummary Summary);
