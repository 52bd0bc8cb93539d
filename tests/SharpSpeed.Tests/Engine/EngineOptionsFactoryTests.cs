using SharpSpeed.Engine;
using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Engine.Schedules;

namespace SharpSpeed.Tests.Engine;

public sealed class EngineOptionsFactoryTests
{
    private static readonly HfTrainingValues SeedArguments = new()
    {
        PerDeviceTrainBatchSize = 2, GradientAccumulationSteps = 4, LearningRate = 3e-4,
        ExplicitArguments = new HashSet<string> { "per_device_train_batch_size", "gradient_accumulation_steps", "learning_rate", "num_train_epochs" },
    };

    [Fact]
    public void SeedDeepSpeedConfigDrivesTheEngine()
    {
        var config = DeepSpeedConfigParser.Load(RepositoryFiles.Path("examples/ds_config_zero2.json"), 3, SeedArguments);
        var options = EngineOptionsFactory.FromDeepSpeed(config, SeedArguments, totalSteps: 100);

        Assert.Equal(TrainingPrecision.Fp16, options.Precision);
        Assert.Equal(new AdamWOptions(0.9, 0.999, 1e-8, 0.01), options.Adam);
        Assert.Equal(65536, Assert.IsType<DynamicLossScaler>(options.LossScaler).LossScale);
        Assert.Equal(3e-4, Assert.IsType<WarmupLR>(options.Schedule).MaxLr);
        Assert.Equal((1.0, 4), (options.MaxGradNorm, options.GradientAccumulationSteps));
    }

    [Fact]
    public void TrainingArgumentsAloneGiveHfDefaults()
    {
        var options = EngineOptionsFactory.FromTrainingArguments(SeedArguments with { WarmupRatio = 0.1 }, totalSteps: 95);

        Assert.Equal(TrainingPrecision.Fp32, options.Precision);
        Assert.Equal(new AdamWOptions(0.9, 0.999, 1e-8, 0.0), options.Adam);
        var schedule = Assert.IsType<HuggingFaceSchedule>(options.Schedule);
        Assert.Equal((HfSchedulerType.Linear, 10L, 95L), (schedule.Type, schedule.WarmupSteps, schedule.TotalSteps));
        Assert.Equal(1.0, Assert.IsType<StaticLossScaler>(options.LossScaler).LossScale);
        Assert.Equal((1.0, 4), (options.MaxGradNorm, options.GradientAccumulationSteps));
    }
}
