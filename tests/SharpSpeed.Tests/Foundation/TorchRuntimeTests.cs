using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Foundation;

/// <summary>libtorch loads in the test process (the Debian 12 loader fix works) and autograd + AdamW run.</summary>
public sealed class TorchRuntimeTests
{
    [Fact]
    public void BackwardGivesTheAnalyticGradient()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1f, -2f, 3f }, requires_grad: true);
        var loss = (x * x * x).sum();
        loss.backward();
        // d/dx sum(x^3) = 3x^2
        Assert.Equal(new float[] { 3f, 12f, 27f }, x.grad!.data<float>().ToArray());
    }

    [Fact]
    public void AdamWStepMatchesTheClosedFormFirstStep()
    {
        // On the first AdamW step m/(sqrt(v)+eps) = g/(|g|+eps) ~ sign(g), so the update is
        // w <- w*(1 - lr*wd) - lr*sign(g): a value computed here without libtorch's optimizer.
        using var scope = NewDisposeScope();
        const double lr = 0.1, weightDecay = 0.01;
        var initial = new float[] { 0.5f, -1.5f, 2.0f, 0f };
        var weight = nn.Parameter(tensor(initial));
        var optimizer = optim.AdamW([weight], lr: lr, weight_decay: weightDecay);
        var target = tensor(new float[] { 1f, 1f, 1f, 1f });
        var loss = ((weight - target) * (weight - target)).sum();
        loss.backward();
        var gradient = weight.grad!.data<float>().ToArray();
        optimizer.step();

        var updated = weight.data<float>().ToArray();
        for (var i = 0; i < initial.Length; i++)
        {
            var expected = initial[i] * (1 - lr * weightDecay) - lr * Math.Sign(gradient[i]);
            Assert.Equal(expected, updated[i], 1e-6);
        }
    }

    [Fact]
    public void TorchSharpFallbackFolderDoesNotExistBesideTheBuild()
    {
        _ = ones(1);
        var output = Path.GetDirectoryName(typeof(torch).Assembly.Location)!;
        Assert.False(Directory.Exists(Path.Combine(output, "cpu")),
            "TorchSharp fell back to copying unpatched natives into cpu/: the regular load failed");
    }
}
