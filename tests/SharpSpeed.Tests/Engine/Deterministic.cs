using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine;

/// <summary>
/// Random values from a private generator: xunit runs test classes in parallel and torch.manual_seed is global, so a
/// test that needs the same numbers twice must not draw them from the global generator.
/// </summary>
internal static class Deterministic
{
    public static Tensor Randn(long seed, params long[] shape)
    {
        using var generator = new Generator((ulong)seed);
        return randn(shape, generator: generator);
    }

    /// <summary>Overwrites every parameter of <paramref name="module"/> with values drawn from <paramref name="seed"/>.</summary>
    public static T Initialize<T>(T module, long seed)
        where T : nn.Module
    {
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (_, parameter) in module.named_parameters())
        {
            using var values = randn(parameter.shape, generator: generator);
            using var half = 0.5.ToScalar();
            parameter.copy_(values.mul_(half));
        }
        return module;
    }
}
