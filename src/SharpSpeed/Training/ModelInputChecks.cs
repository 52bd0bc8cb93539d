using SharpSpeed.Data.Tokenization;
using SharpSpeed.Models;

namespace SharpSpeed.Training;

/// <summary>
/// Checks that a model and what is fed to it agree, made when they load so that a mismatch is one line naming the
/// file instead of an index error deep inside libtorch: every token id needs a row of the embedding, and positions
/// past max_position_embeddings are ones the model never saw (HF warns about them; training refuses them here).
/// </summary>
public static class ModelInputChecks
{
    /// <summary>Refuses a tokenizer whose ids reach past the model's vocab_size.</summary>
    public static void TokenizerFits(HfTokenizer tokenizer, ModelConfig config, string? modelDir)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(config);
        if (tokenizer.VocabSize > config.VocabSize)
        {
            throw new InvalidDataException(
                $"{tokenizer.TokenizerJsonPath}: the tokenizer has ids up to {tokenizer.VocabSize - 1}, but " +
                $"{ConfigName(modelDir)} has vocab_size {config.VocabSize}: ids from {config.VocabSize} on have no embedding row; " +
                "use the model's own tokenizer or a model whose vocab_size covers it");
        }
    }

    /// <summary>The problem with <paramref name="length"/> positions for this model, or null when it has none.</summary>
    public static string? PositionProblem(int length, ModelConfig config, string? modelDir, string what)
    {
        ArgumentNullException.ThrowIfNull(config);
        return length > config.MaxPositionEmbeddings && config.RopeScaling is null
            ? $"{what} needs {length} positions, but {ConfigName(modelDir)} has max_position_embeddings " +
              $"{config.MaxPositionEmbeddings} and no rope_scaling"
            : null;
    }

    /// <summary>Training refuses sequences longer than the model's positions: lower --max_seq_length.</summary>
    public static void SequenceLengthFits(int maxSeqLength, ModelConfig config, string? modelDir)
    {
        if (PositionProblem(maxSeqLength, config, modelDir, $"--max_seq_length {maxSeqLength}") is { } problem)
        {
            throw new ArgumentException($"{problem}: use --max_seq_length {config.MaxPositionEmbeddings} or less");
        }
    }

    private static string ConfigName(string? modelDir) =>
        modelDir is null ? "the bundled tiny model's config" : Path.Combine(modelDir, "config.json");
}
