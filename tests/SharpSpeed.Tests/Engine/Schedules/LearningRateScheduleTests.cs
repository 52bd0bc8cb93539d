using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Schedules;

namespace SharpSpeed.Tests.Engine.Schedules;

/// <summary>
/// Schedules against the formulas of DeepSpeed's lr_schedules.py and HF's optimization.py, written out here on their
/// own and driven the way the engines drive them (DeepSpeed: get_lr at last_batch_iteration = -1, then step() after
/// every optimizer step; HF: LambdaLR's lambda(step) with step = optimizer steps so far).
/// </summary>
public sealed class LearningRateScheduleTests
{
    private static readonly long[] Probes = [0, 1, 2, 3, 9, 10, 11, 12, 49, 50, 51, 99, 100, 101, 150];

    /// <summary>The rate each optimizer step 0..n-1 runs with under a DeepSpeed scheduler whose get_lr is given.</summary>
    private static double[] DeepSpeedRun(Func<long, double> getLr, int steps)
    {
        var used = new double[steps];
        long lastBatchIteration = -1;
        for (var k = 0; k < steps; k++)
        {
            used[k] = getLr(lastBatchIteration);
            lastBatchIteration++;
        }
        return used;
    }

    private static void AssertSchedule(ILearningRateSchedule schedule, double[] expected)
    {
        foreach (var step in Probes)
        {
            Assert.True(Math.Abs(expected[step] - schedule.LearningRate(step)) <= 1e-15 * Math.Max(1, Math.Abs(expected[step])),
                $"step {step}: expected {expected[step]:R}, got {schedule.LearningRate(step):R}");
        }
    }

    [Theory]
    [InlineData(WarmupShape.Log)]
    [InlineData(WarmupShape.Linear)]
    public void WarmupLRFollowsDeepSpeed(WarmupShape shape)
    {
        const double min = 1e-5, max = 3e-4;
        const int n = 10;
        double GetLr(long it)
        {
            if (it < 0)
            {
                return min;
            }
            var gamma = it >= n ? 1.0 : shape == WarmupShape.Log ? Math.Log(it + 1) / Math.Log(n) : it / (double)n;
            return min + (max - min) * gamma;
        }
        AssertSchedule(new WarmupLR(min, max, n, shape), DeepSpeedRun(GetLr, 200));
    }

    [Fact]
    public void SeedWarmupLRStartsAtZeroForTwoStepsThenRisesLogarithmically()
    {
        var schedule = new WarmupLR(0, 3e-4, 500);
        Assert.Equal(0.0, schedule.LearningRate(0));
        Assert.Equal(0.0, schedule.LearningRate(1));
        Assert.Equal(3e-4 * Math.Log(2) / Math.Log(500), schedule.LearningRate(2), 1e-18);
        Assert.Equal(3e-4 * Math.Log(500) / Math.Log(500), schedule.LearningRate(500), 1e-18);
        Assert.Equal(3e-4, schedule.LearningRate(501));
    }

    [Theory]
    [InlineData(WarmupShape.Log)]
    [InlineData(WarmupShape.Linear)]
    public void WarmupDecayLRFollowsDeepSpeed(WarmupShape shape)
    {
        const double min = 0, max = 1e-3;
        const int n = 10, total = 100;
        double GetLr(long it)
        {
            if (it < 0)
            {
                return min;
            }
            double gamma = it < n
                ? shape == WarmupShape.Log ? Math.Log(it + 1) / Math.Log(n) : it / (double)n
                : Math.Max(0.0, (total - it) / (double)Math.Max(1, total - n));
            return min + (max - min) * gamma;
        }
        AssertSchedule(new WarmupDecayLR(total, min, max, n, shape), DeepSpeedRun(GetLr, 200));
        Assert.Equal(0.0, new WarmupDecayLR(total, min, max, n, shape).LearningRate(101));
    }

    [Theory]
    [InlineData(WarmupShape.Log, 0.0)]
    [InlineData(WarmupShape.Linear, 0.1)]
    public void WarmupCosineLRFollowsDeepSpeed(WarmupShape shape, double warmupMinRatio)
    {
        const double lr = 2e-4, cosMin = 0.0001;
        const int n = 10, total = 100;
        double GetLr(long it)
        {
            if (it < 0)
            {
                return 0.0;
            }
            if (it < n)
            {
                var warm = shape == WarmupShape.Log ? Math.Log(it + 1) / Math.Log(n) : it / (double)n;
                return lr * (warmupMinRatio + warm * (1 - warmupMinRatio));
            }
            var progress = Math.Min(1.0, (it - n + 1) / (double)Math.Max(1, total - n));
            return lr * Math.Max(0.0, cosMin + (1 - cosMin) * (1 + Math.Cos(Math.PI * progress)) / 2);
        }
        AssertSchedule(new WarmupCosineLR(lr, total, warmupMinRatio, n, cosMin, shape), DeepSpeedRun(GetLr, 200));
        Assert.Equal(lr * cosMin, new WarmupCosineLR(lr, total, warmupMinRatio, n, cosMin, shape).LearningRate(150), 1e-20);
    }

    [Fact]
    public void DeepSpeedRaisesWarmupBelowTwoToTwo()
    {
        // warmup_num_steps 1 behaves as 2: step 2 (iteration 1) is half-way in linear warm-up.
        Assert.Equal(0.5, new WarmupLR(0, 1, 1, WarmupShape.Linear).LearningRate(2));
        Assert.Equal(1.0, new WarmupLR(0, 1, 1, WarmupShape.Linear).LearningRate(3));
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("cosine")]
    [InlineData("constant")]
    [InlineData("constant_with_warmup")]
    public void HfSchedulesFollowTransformers(string type)
    {
        const double lr = 5e-5;
        const int warmup = 10, total = 100;
        double Lambda(long s) => type switch
        {
            "constant" => 1.0,
            _ when s < warmup => s / (double)Math.Max(1, warmup),
            "constant_with_warmup" => 1.0,
            "linear" => Math.Max(0.0, (total - s) / (double)Math.Max(1, total - warmup)),
            "cosine" => Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * 0.5 * 2.0 * ((s - warmup) / (double)Math.Max(1, total - warmup))))),
            _ => throw new ArgumentException(type),
        };
        var expected = Enumerable.Range(0, 200).Select(s => lr * Lambda(s)).ToArray();
        AssertSchedule(LearningRateSchedules.FromHuggingFace(type, lr, warmup, 0, total), expected);
    }

    [Fact]
    public void HfWarmupRatioRoundsUpAndBoundariesAreExact()
    {
        var schedule = LearningRateSchedules.FromHuggingFace("linear", 1e-3, 0, 0.05, 90);
        Assert.Equal(5, schedule.WarmupSteps); // ceil(90 * 0.05) = ceil(4.5)
        Assert.Equal(0.0, schedule.LearningRate(0));
        Assert.Equal(1e-3, schedule.LearningRate(5));
        Assert.Equal(0.0, schedule.LearningRate(90));
        Assert.Equal(0.5e-3, LearningRateSchedules.FromHuggingFace("cosine", 1e-3, 10, 0, 110).LearningRate(60), 1e-18);
    }

    [Fact]
    public void UnknownAndUnimplementedHfSchedulesAreNamed()
    {
        Assert.Contains("knows but does not implement yet",
            Assert.Throws<ArgumentException>(() => HuggingFaceSchedule.ParseType("polynomial")).Message);
        Assert.Contains("is not an HF schedule", Assert.Throws<ArgumentException>(() => HuggingFaceSchedule.ParseType("cosinus")).Message);
    }

    [Fact]
    public void ConfigSectionBuildsTheMatchingSchedule()
    {
        var config = DeepSpeedConfigParser.Parse(DeepSpeedFile.Read(RepositoryFiles.Path("examples/ds_config_zero2.json")), worldSize: 1);
        var schedule = Assert.IsType<WarmupLR>(LearningRateSchedules.FromDeepSpeed(config.Scheduler!, 3e-4));
        Assert.Equal(3e-4, schedule.MaxLr);
        Assert.Equal(3e-4 * Math.Log(100) / Math.Log(500), schedule.LearningRate(100), 1e-18);
    }
}
