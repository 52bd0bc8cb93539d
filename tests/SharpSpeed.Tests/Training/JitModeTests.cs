using SharpSpeed.Training;

namespace SharpSpeed.Tests.Training;

public sealed class JitModeTests
{
    [Fact]
    public void TheTestHostRunsTieredUnlessTheEnvironmentSaysOtherwise()
    {
        // The test host keeps .NET's default; only the sharpspeed executable turns tiering off (checked in
        // BenchTrainCommandTests on launched ranks).
        var line = JitMode.Describe();
        var fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is not null
                              || Environment.GetEnvironmentVariable("COMPlus_TieredCompilation") is not null;
        Assert.StartsWith(fromEnvironment ? "jit: as the environment sets it" : "jit: .NET's tiered compilation", line, StringComparison.Ordinal);
    }
}
