using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// Activation checkpointing of one decoder layer (PyTorch's reentrant <c>checkpoint</c>): the forward pass runs
/// without building a graph and keeps only the layer's input; the backward pass runs the layer again with grad
/// enabled and back-propagates through that fresh graph, which also accumulates the layer's parameter gradients.
/// Activation memory drops from every intermediate of every layer to one hidden state per layer plus one layer's
/// intermediates at a time, for one extra forward pass.
/// </summary>
/// <remarks>
/// TorchSharp aborts the process when a custom backward throws, so failures are caught there, recorded in the
/// model's <see cref="BackwardFailures"/> and rethrown once libtorch's backward pass has returned: callers that use
/// checkpointing run backward through <see cref="LlamaForCausalLM.Backward"/>. As in PyTorch, the layer input must require grad (it does whenever
/// the embedding is trained) or no gradient flows back into the layer.
/// </remarks>
public sealed class ActivationCheckpoint : autograd.SingleTensorFunction<ActivationCheckpoint>
{
    private const string CallKey = "call";
    private const string RngKey = "rng";

    private static long s_recomputations;

    public override string Name => nameof(ActivationCheckpoint);

    /// <summary>How many layer recomputations backward passes have run in this process (for tests and logs).</summary>
    public static long Recomputations => Interlocked.Read(ref s_recomputations);

    /// <summary>Runs <paramref name="layer"/> on <paramref name="hidden"/>, recomputing it during backward.</summary>
    public static Tensor Run(LlamaDecoderLayer layer, Tensor hidden, AttentionInputs inputs, BackwardFailures failures) =>
        apply(hidden, new LayerCall(layer, inputs, failures));

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var hidden = (Tensor)vars[0];
        var call = (LayerCall)vars[1];
        ctx.save_for_backward([hidden]);
        ctx.save_data(CallKey, call);
        // As PyTorch's preserve_rng_state: the recomputation must draw the same dropout masks (LoRA's) as this forward.
        ctx.save_data(RngKey, get_rng_state().DetachFromDisposeScope());
        return call.Layer.Forward(hidden, call.Inputs);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var saved = ctx.get_saved_variables()[0];
        var call = (LayerCall)ctx.get_data(CallKey);
        using var forwardRng = (Tensor)ctx.get_data(RngKey);
        using var backwardRng = get_rng_state();
        try
        {
            set_rng_state(forwardRng);
            Interlocked.Increment(ref s_recomputations);
            Tensor inputGrad;
            using (var scope = NewDisposeScope())
            using (enable_grad())
            {
                var input = saved.detach().requires_grad_(true);
                var output = call.Layer.Forward(input, call.Inputs);
                autograd.backward([output], [grad_output]);
                // Handed to libtorch after this method returns, so it must survive the scope.
                inputGrad = input.grad!.DetachFromDisposeScope();
            }
            return [inputGrad, null!];
        }
#pragma warning disable CA1031 // Any exception escaping a custom backward aborts the process; it is rethrown later.
        catch (Exception e)
#pragma warning restore CA1031
        {
            call.Failures.Record(e);
            return [zeros_like(saved), null!];
        }
        finally
        {
            set_rng_state(backwardRng);
        }
    }

    private sealed record LayerCall(LlamaDecoderLayer Layer, AttentionInputs Inputs, BackwardFailures Failures);
}
