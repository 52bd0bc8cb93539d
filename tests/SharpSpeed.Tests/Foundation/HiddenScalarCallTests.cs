using Mono.Cecil;
using SharpSpeed.Tests.Comm;

namespace SharpSpeed.Tests.Foundation;

/// <summary>
/// SS0001's other half, proved on the compiled code. TorchSharp overloads such as <c>a + b</c>, <c>add_(t)</c> and
/// <c>arange(start, stop)</c> make a Scalar 1 inside themselves and pass its handle to libtorch; only the garbage
/// collector owns it, so a collection on another thread during the call frees it under libtorch (seen as a random
/// "Expected false to be true ... toFloat" in answer scoring). No source rule can see inside TorchSharp: which methods
/// do this is read from TorchSharp's IL, so an upgrade that adds or fixes such overloads needs no list kept by hand.
/// </summary>
public sealed class HiddenScalarCallTests
{
    private static readonly string Bin = AppContext.BaseDirectory;

    private static readonly Lazy<ModuleDefinition> TorchSharp = new(() => Read(Path.Combine(Bin, "TorchSharp.dll")));

    private static readonly Lazy<TorchSharpScalarMakers> Makers = new(() => new TorchSharpScalarMakers(TorchSharp.Value));

    [Theory]
    [InlineData("TorchSharp.torch/Tensor", "add", "TorchSharp.torch/Tensor")]
    [InlineData("TorchSharp.torch/Tensor", "add_", "TorchSharp.torch/Tensor")]
    [InlineData("TorchSharp.torch/Tensor", "add", "TorchSharp.Scalar")]
    [InlineData("TorchSharp.torch/Tensor", "op_Addition", "TorchSharp.torch/Tensor", "TorchSharp.torch/Tensor")]
    [InlineData("TorchSharp.torch/Tensor", "square")]
    public void TheScanFindsTorchSharpsKnownScalarMakers(string type, string method, params string[] parameters) =>
        Assert.True(Makers.Value.Contains(Method(type, method, parameters)), $"{type}.{method} not found among {Makers.Value.Count}");

    [Theory]
    [InlineData("TorchSharp.torch/Tensor", "add", "TorchSharp.torch/Tensor", "TorchSharp.Scalar")]
    [InlineData("TorchSharp.torch/Tensor", "sub", "TorchSharp.torch/Tensor")]
    [InlineData("TorchSharp.torch/Tensor", "mul", "TorchSharp.torch/Tensor")]
    public void OverloadsThatMakeNoScalarOfTheirOwnAreNotFlagged(string type, string method, params string[] parameters) =>
        Assert.False(Makers.Value.Contains(Method(type, method, parameters)));

    [Theory]
    [InlineData("SharpSpeed.dll")]
    [InlineData("SharpSpeed.Cli.dll")]
    [InlineData("SharpSpeed.Tests.dll")]
    [InlineData("SharpSpeed.Tests.MpiWorker.dll")]
    public void NoAssemblyOfOursCallsOne(string assembly)
    {
        var path = assembly == "SharpSpeed.Tests.MpiWorker.dll" ? MpiJob.WorkerDll : Path.Combine(Bin, assembly);
        var calls = Makers.Value.CallsFrom(Read(path)).Distinct().ToList();
        Assert.True(calls.Count == 0,
            $"pass a held Scalar (HeldScalars.One for alpha or step) instead of calling:\n{string.Join("\n", calls)}");
    }

    private static MethodDefinition Method(string type, string name, string[] parameters) =>
        TorchSharp.Value.GetTypes().Single(t => t.FullName == type).Methods
            .Single(m => m.Name == name && m.Parameters.Select(p => p.ParameterType.FullName).SequenceEqual(parameters));

    private static ModuleDefinition Read(string path)
    {
        var resolver = new DefaultAssemblyResolver();
        resolver.AddSearchDirectory(Bin);
        return ModuleDefinition.ReadModule(path, new ReaderParameters { AssemblyResolver = resolver });
    }
}
