using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using SharpSpeed.Analyzers;
using TorchSharp;

namespace SharpSpeed.Tests.Foundation;

/// <summary>Rule SS0001 compiled against the real TorchSharp: the unheld forms are flagged, the held ones are not.</summary>
public sealed class HeldScalarAnalyzerTests
{
    [Theory]
    [InlineData("var r = t * 0.5;")]
    [InlineData("var r = 1.0 / t;")]
    [InlineData("t.div_(2);")]
    [InlineData("var r = arange(0, 4);")]
    [InlineData("var r = t.mul(2.0.ToScalar());")]
    [InlineData("var r = t.ToSingle();")]
    [InlineData("var r = (float)t;")]
    public void AScalarOnlyTheCollectorOwnsIsAnError(string statements) =>
        Assert.Equal(["SS0001"], Analyze(statements));

    [Theory]
    [InlineData("using var half = 0.5.ToScalar(); var r = t.mul(half);")]
    [InlineData("using var two = 2.ToScalar(); t.div_(two);")]
    [InlineData("var r = t.item<float>();")]
    [InlineData("var r = t * t;")]
    [InlineData("var r = t.norm(0);")]
    public void AHeldScalarPasses(string statements) =>
        Assert.Empty(Analyze(statements));

    private static string[] Analyze(string statements)
    {
        var source = $$"""
            using TorchSharp;
            using static TorchSharp.torch;
            public static class Snippet
            {
                public static void Run(Tensor t)
                {
                    {{statements}}
                }
            }
            """;
        var platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var references = platform.Append(typeof(torch).Assembly.Location).Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(
            "Snippet", [CSharpSyntaxTree.ParseText(source)], references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.True(errors.Length == 0, string.Join("; ", errors.Select(e => e.ToString())));
        var diagnostics = compilation.WithAnalyzers([new HeldScalarAnalyzer()]).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return diagnostics.Select(d => d.Id).Distinct().ToArray();
    }
}
