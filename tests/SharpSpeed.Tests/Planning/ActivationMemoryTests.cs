using SharpSpeed.Models;
using SharpSpeed.Planning;

namespace SharpSpeed.Tests.Planning;

public sealed class ActivationMemoryTests
{
    // Reference/llama_saved_tensors.py run with Debian's PyTorch 1.13 (saved_tensors_hooks on the same LLaMA
    // block, b=2 s=16 h=64 a=4 kv=2 I=176 V=100) printed: layer_activation_elements 43072, layer_lse_elements 128,
    // final_norm_elements 6176, loss_elements 3201 (3200 log-probabilities + cross-entropy's scalar total weight).
    private const int Batch = 2;
    private const int Seq = 16;
    private static readonly ModelConfig Tiny = TestConfigs.Llama(64, 3, 4, 2, 176, 100);

    [Fact]
    public void PerLayerCountMatchesPyTorchSavedTensors()
    {
        double expected = 2.0 * 43072 + 4.0 * 128;
        Assert.Equal(expected, ActivationMemory.LlamaLayerBytes(Tiny, Batch, Seq));
    }

    [Fact]
    public void FinalNormAndLossMatchPyTorchSavedTensors()
    {
        var estimate = ActivationMemory.Estimate(Tiny, Batch, Seq, checkpointing: false);
        Assert.Equal(2.0 * 6176, estimate.FinalNormBytes);
        double savedLogProbs = 4.0 * (3201 - 1);
        double liveFp32Logits = 4.0 * Batch * Seq * 100;
        Assert.Equal(savedLogProbs + liveFp32Logits, estimate.LogitsBytes);
    }

    [Fact]
    public void WithoutCheckpointingEveryLayerKeepsItsActivations()
    {
        var estimate = ActivationMemory.Estimate(Tiny, Batch, Seq, checkpointing: false);
        Assert.Equal(3 * ActivationMemory.LlamaLayerBytes(Tiny, Batch, Seq), estimate.DecoderBytes);
    }

    [Fact]
    public void CheckpointingKeepsLayerInputsPlusOneLayer()
    {
        var estimate = ActivationMemory.Estimate(Tiny, Batch, Seq, checkpointing: true);
        double layerInput = 2.0 * Batch * Seq * 64;
        Assert.Equal(3 * layerInput + ActivationMemory.LlamaLayerBytes(Tiny, Batch, Seq), estimate.DecoderBytes);
        Assert.True(estimate.TotalBytes < ActivationMemory.Estimate(Tiny, Batch, Seq, checkpointing: false).TotalBytes);
    }

    [Fact]
    public void KorthikantiReferenceFollowsEquationOne()
    {
        // GPT-3 175B (s=2048, h=12288, a=96), b=1: sbh(34 + 5as/h) = sbh * 114.
        var gpt3 = TestConfigs.Llama(12288, 96, 96, 96, 4 * 12288, 50257);
        Assert.Equal(2048.0 * 12288 * 114, ActivationMemory.KorthikantiLayerBytes(gpt3, 1, 2048));
    }
}
