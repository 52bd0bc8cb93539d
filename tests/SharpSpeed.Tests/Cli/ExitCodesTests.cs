using SharpSpeed.Cli;
using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Precision;
using static SharpSpeed.Tests.Cli.CliRunner;

namespace SharpSpeed.Tests.Cli;

/// <summary>Every command's failures go through one map: input the user can fix exits 2, a failed run 1.</summary>
public sealed class ExitCodesTests
{
    [Fact]
    public void InputErrorsAreBadInputAndRunFailuresAreFailure()
    {
        Assert.Equal(ExitCodes.BadInput, ExitCodes.For(new ArgumentOutOfRangeException("x")));
        Assert.Equal(ExitCodes.BadInput, ExitCodes.For(new FileNotFoundException("x")));
        Assert.Equal(ExitCodes.BadInput, ExitCodes.For(new DeepSpeedConfigException("x")));
        Assert.Equal(ExitCodes.Failure, ExitCodes.For(new InvalidOperationException("MPI_Allreduce failed")));
        Assert.Equal(ExitCodes.Failure, ExitCodes.For(new LossScaleAtMinimumException("the loss scale reached its minimum")));
    }

    [Theory]
    [InlineData("sharpspeed bench train: ", "bench", "train", "--hidden_size", "30", "--num_heads", "4")]
    [InlineData("sharpspeed launch: ", "launch", "--nproc_per_node", "2")]
    [InlineData("sharpspeed tokenize: ", "tokenize", "--tokenizer", "/no/such/tokenizer", "--text", "a")]
    public void EachCommandNamesItselfInOneLine(string prefix, params string[] args)
    {
        var (code, _, error) = Run(args);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith(prefix, error, StringComparison.Ordinal);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
