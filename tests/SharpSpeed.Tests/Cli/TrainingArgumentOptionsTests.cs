using System.CommandLine;
using SharpSpeed.Cli.Commands;

namespace SharpSpeed.Tests.Cli;

public sealed class TrainingArgumentOptionsTests
{
    private static SharpSpeed.Training.TrainingArguments Parse(params string[] args)
    {
        var options = new TrainingArgumentOptions();
        var command = new Command("train");
        foreach (var option in options.Options)
        {
            command.Options.Add(option);
        }
        var parse = command.Parse(args);
        Assert.Empty(parse.Errors);
        return options.Bind(parse);
    }

    [Fact]
    public void SeedCommandLineBindsWithBothSpellings()
    {
        var args = Parse(
            "--per_device_train_batch_size", "2", "--gradient_accumulation_steps=4", "--learning_rate", "3e-4",
            "--num_train_epochs=3", "--fp16", "--deepspeed", "ds_config.json", "--bf16=false");
        Assert.Equal(2, args.PerDeviceTrainBatchSize);
        Assert.Equal(4, args.GradientAccumulationSteps);
        Assert.Equal(3e-4, args.LearningRate);
        Assert.Equal(3.0, args.NumTrainEpochs);
        Assert.True(args.Fp16);
        Assert.False(args.Bf16);
        Assert.Equal("ds_config.json", args.Deepspeed);
    }

    [Fact]
    public void FlagsNotGivenKeepHfDefaults()
    {
        var args = Parse("--seed", "7");
        Assert.Equal(7, args.Seed);
        Assert.Equal(8, args.PerDeviceTrainBatchSize);
        Assert.Equal(5e-5, args.LearningRate);
        Assert.Equal("linear", args.LrSchedulerType);
        Assert.Equal(1.0, args.MaxGradNorm);
        Assert.Equal(-1, args.MaxSteps);
    }
}
