using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpSpeed.Tests.Data.Tokenization;

namespace SharpSpeed.Tests.Data.Templates;

/// <summary>
/// Renders templates with @huggingface/jinja 0.5.13 under node (fetched with <c>npm pack</c> into .cache/npm):
/// the independent implementation that the interpreter's output is compared with.
/// </summary>
internal static class HuggingFaceJinjaReference
{
    public const string Version = "0.5.13";

    /// <summary>The rendered text of each (template, context) case, or null where the reference raised an error.</summary>
    public static IReadOnlyList<string?> Render(IReadOnlyList<(string Template, JsonObject Context)> cases)
    {
        var package = Path.Combine(NpmTokenizerCache.PackageFolder("@huggingface/jinja", Version), "package");
        var script = Path.Combine(NpmTokenizerCache.RepositoryRoot, "tests", "SharpSpeed.Tests", "Data", "Templates", "huggingface-jinja-render.mjs");
        var input = new JsonArray([.. cases.Select(c => (JsonNode)new JsonObject
        {
            ["template"] = c.Template,
            ["context"] = c.Context.DeepClone(),
        })]);
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(package);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(input.ToJsonString());
        process.StandardInput.Close();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"node {script} failed with exit code {process.ExitCode}: {stderr.Result.Trim()}");
        }
        using var results = JsonDocument.Parse(stdout.Result);
        return [.. results.RootElement.EnumerateArray()
            .Select(r => r.TryGetProperty("text", out var text) ? text.GetString() : null)];
    }
}
