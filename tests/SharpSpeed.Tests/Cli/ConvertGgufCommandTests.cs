using SharpSpeed.Cli;
using SharpSpeed.IO;
using SharpSpeed.IO.Gguf;
using SharpSpeed.Models;
using SharpSpeed.Training;
using static SharpSpeed.Tests.Cli.CliRunner;

namespace SharpSpeed.Tests.Cli;

/// <summary>`convert --model DIR --output FILE.gguf`: its flags and its one-line refusals of bad input.</summary>
public sealed class ConvertGgufCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharpspeed-cli-gguf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string SmallModel()
    {
        var folder = Path.Combine(_dir, "model");
        using var model = LlamaForCausalLM.CreateRandom(NamedModelConfigs.Tiny with
        {
            HiddenSize = 32, IntermediateSize = 40, NumHiddenLayers = 1, NumAttentionHeads = 2, NumKeyValueHeads = 1, HeadDim = 16,
        }, seed: 1);
        ModelFolder.Save(model, folder);
        ModelFolder.CopyTokenizer(BundledAssets.Locate(Trainer.BundledTokenizer), folder);
        return folder;
    }

    private static void AssertOneLineError((int Code, string Output, string Error) result, string expected)
    {
        Assert.Equal(ExitCodes.BadInput, result.Code);
        Assert.Contains(expected, result.Error);
        Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void BadFlagsAreRefusedInOneLine()
    {
        var model = SmallModel();
        AssertOneLineError(Run("convert", "--output", Path.Combine(_dir, "x.gguf")), "either --checkpoint DIR");
        AssertOneLineError(Run("convert", "--model", model, "--output", Path.Combine(_dir, "x.gguf"), "--outtype", "q4_0"),
            "--outtype 'q4_0' is not one of f32, f16, bf16, q8_0");
        AssertOneLineError(Run("convert", "--model", model, "--output", Path.Combine(_dir, "x.bin")), "FILE.gguf");
        AssertOneLineError(Run("convert", "--model", Path.Combine(_dir, "absent"), "--output", Path.Combine(_dir, "x.gguf")), "absent");
        Assert.False(File.Exists(Path.Combine(_dir, "x.gguf")));
    }

    [Fact]
    public void AnUnknownPreTokenizerNeedsItsLlamaCppNameAndQ8FallsBackToF16ForOddRows()
    {
        var model = SmallModel();
        var tokenizerJson = Path.Combine(model, "tokenizer.json");
        File.WriteAllText(tokenizerJson, File.ReadAllText(tokenizerJson).Replace(@"\\p{N}{1,3}", @"\\p{N}{1,2}", StringComparison.Ordinal));
        var output = Path.Combine(_dir, "model.gguf");
        AssertOneLineError(Run("convert", "--model", model, "--output", output), "pass --tokenizer_pre NAME");

        var (code, _, error) = Run("convert", "--model", model, "--output", output, "--outtype", "q8_0", "--tokenizer_pre", "deepseek-v3");
        Assert.True(code == 0, error);
        var file = GgufReader.Read(output);
        Assert.Equal("deepseek-v3", file["tokenizer.ggml.pre"].AsString());
        Assert.Equal(7, file["general.file_type"].AsInteger());
        Assert.Equal(GgmlType.Q8_0, file.Tensor("blk.0.attn_q.weight").Type);
        // ffn_down's rows are intermediate_size 40 long, not whole blocks of 32: f16, as the converter falls back.
        Assert.Equal(GgmlType.F16, file.Tensor("blk.0.ffn_down.weight").Type);
        Assert.Equal(GgmlType.F32, file.Tensor("blk.0.attn_norm.weight").Type);
    }
}
