using SharpSpeed.Engine.Flat;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine.Precision;

public sealed class MixedPrecisionTests
{
    private static (nn.Module<Tensor, Tensor> Model, (string Name, Tensor Parameter)[] Named) Model(ScalarType dtype)
    {
        var model = Deterministic.Initialize(nn.Sequential(("l1", nn.Linear(6, 5)), ("act", nn.Tanh()), ("l2", nn.Linear(5, 3))), 3);
        model.to(dtype);
        return (model, model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToArray());
    }

    [Fact]
    public void GlobalNormFromShardsMatchesTorchClipGradNorm()
    {
        using var scope = NewDisposeScope();
        var parameters = new[] { nn.Parameter(zeros(4, 7)), nn.Parameter(zeros(9)), nn.Parameter(zeros(3, 3)) };
        var layout = FlatLayout.Create(parameters.Select((p, i) => ($"p{i}", p.shape)), partitions: 3, alignment: 2);
        using var flat = new FlatBuffer(layout, ScalarType.Float32);
        for (var i = 0; i < parameters.Length; i++)
        {
            var gradient = Deterministic.Randn(11 + i, parameters[i].shape) * 3;
            parameters[i].grad = gradient.clone();
            flat.View($"p{i}").copy_(gradient);
        }
        var torchNorm = nn.utils.clip_grad_norm_(parameters, max_norm: 1.0);

        var squared = Enumerable.Range(0, 3).Sum(rank => GradientNorm.LocalSquaredNorm(flat.Slice(layout.Partition(rank))));
        var norm = Math.Sqrt(squared);
        Assert.Equal(torchNorm, norm, 1e-5 * torchNorm);
        var coefficient = GradientNorm.ClipCoefficient(norm, 1.0);
        Assert.Equal(1.0 / (norm + 1e-6), coefficient, 1e-12);
        for (var rank = 0; rank < 3; rank++)
        {
            GradientNorm.Clip(flat.Slice(layout.Partition(rank)), coefficient);
        }
        for (var i = 0; i < parameters.Length; i++)
        {
            Assert.True(flat.View($"p{i}").allclose(parameters[i].grad!, rtol: 1e-6, atol: 1e-7), $"p{i}");
        }
        Assert.Equal(1.0, GradientNorm.ClipCoefficient(0.5, 1.0));
    }

    [Fact]
    public void Fp16GradientsAreUnscaledIntoFp32AndTheUpdateReturnsToTheModel()
    {
        using var scope = NewDisposeScope();
        var (model, named) = Model(ScalarType.Float16);
        var layout = FlatLayout.Create(named.Select(p => (p.Name, p.Parameter.shape)));
        using var precision = new MixedPrecision(layout, TrainingPrecision.Fp16, layout.Whole);
        precision.ModelParameters.BindParameters(named);
        precision.ModelGradients.BindGradients(named);
        precision.CopyModelToMaster();
        Assert.True(precision.Master.allclose(precision.ModelParameters.Data.to_type(ScalarType.Float32), rtol: 0, atol: 0));

        const double scale = 1024;
        var input = Deterministic.Randn(5, 4, 6).to_type(ScalarType.Float16);
        var loss = model.forward(input).to_type(ScalarType.Float32).square().mean();
        (loss * scale).backward();
        var scaledHalfGradients = precision.ModelGradients.Data.to_type(ScalarType.Float32);

        var check = precision.UnscaleAndClip(scale, maxGradNorm: 0);
        Assert.False(check.Overflow);
        // Dividing by a power of two is exact: fp32 gradients are the fp16 ones / 1024, bit for bit.
        Assert.True(precision.Gradients.equal(scaledHalfGradients / scale).all().item<bool>());
        Assert.Equal(Math.Sqrt(scaledHalfGradients.square().sum().item<float>()) / scale, check.GradNorm, 1e-4);

        using var optimizer = new FlatAdamW(layout, layout.Whole, new AdamWOptions(WeightDecay: 0.01), WeightDecayRule.HuggingFaceDecays);
        optimizer.Step(precision.Master, precision.Gradients, 1e-2);
        precision.CopyMasterToModel();
        var l1 = model.named_parameters().First(p => p.name == "l1.weight").parameter;
        Assert.True(l1.equal(precision.Master.narrow(0, 0, 30).view(5, 6).to_type(ScalarType.Float16)).all().item<bool>());
        Assert.Equal(ScalarType.Float16, l1.dtype);
    }

    [Fact]
    public void NonFiniteGradientsReportOverflowAndLeaveGradientsUnclipped()
    {
        using var scope = NewDisposeScope();
        var (_, named) = Model(ScalarType.Float16);
        var layout = FlatLayout.Create(named.Select(p => (p.Name, p.Parameter.shape)), partitions: 2);
        using var precision = new MixedPrecision(layout, TrainingPrecision.Fp16, layout.Partition(1));
        precision.ModelGradients.Data.fill_(1);
        precision.ModelGradients.Data[layout.TotalElements - 3] = tensor(float.PositiveInfinity).to_type(ScalarType.Float16);

        Assert.True(GradientNorm.LocalOverflow(precision.ModelGradients.Data));
        var check = precision.UnscaleAndClip(2, maxGradNorm: 1.0, sumAcrossRanks: local => local + 5.0);
        Assert.True(check.Overflow);
        Assert.Equal(double.PositiveInfinity, check.GradNorm);

        // Another rank's overflow reaches this one through the summed pieces.
        precision.ModelGradients.Data.fill_(1);
        Assert.True(precision.UnscaleAndClip(1, 1.0, _ => double.PositiveInfinity).Overflow);
        // And a finite run clips with the global norm of all ranks: sqrt(local + 5).
        var local = GradientNorm.LocalSquaredNorm(precision.Gradients);
        var clean = precision.UnscaleAndClip(1, 1.0, l => l + 5.0);
        Assert.False(clean.Overflow);
        Assert.Equal(Math.Sqrt(local + 5.0), clean.GradNorm, 1e-9);
    }

    [Fact]
    public void Fp32MasterIsTheModelItself()
    {
        using var scope = NewDisposeScope();
        var (model, named) = Model(ScalarType.Float32);
        var layout = FlatLayout.Create(named.Select(p => (p.Name, p.Parameter.shape)));
        using var precision = new MixedPrecision(layout, TrainingPrecision.Fp32, layout.Whole);
        precision.ModelParameters.BindParameters(named);
        Assert.False(precision.HasSeparateMaster);
        Assert.Equal(0, precision.MasterBytes);
        using (no_grad())
        {
            precision.Master.fill_(0.25f);
        }
        Assert.Equal(0.25f, model.named_parameters().Last().parameter[0].item<float>());
    }
}
