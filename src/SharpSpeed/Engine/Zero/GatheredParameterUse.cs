using SharpSpeed.Engine.Gradients;
using SharpSpeed.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Zero;

/// <summary>
/// The engine's <see cref="ParameterUse"/> at stage 3: trained parameters hold no data of their own; each operation
/// takes its weights from the <see cref="UnitGatherer"/> (with grad enabled through a custom autograd function that
/// gathers again in backward and reports the weight gradient), and each model unit's forward is a gathering scope.
/// Parameters the engine does not train (a frozen base under adapters) are used as they are.
/// </summary>
internal sealed class GatheredParameterUse(
    UnitGatherer gatherer, GradientHooks hooks, IReadOnlyDictionary<Tensor, int> segments, IReadOnlyDictionary<int, int> layoutUnitOfModelUnit)
    : ParameterUse
{
    public override Tensor Linear(Tensor input, Parameter weight, Parameter? bias)
    {
        if (!segments.TryGetValue(weight, out var weightSegment))
        {
            return base.Linear(input, weight, bias);
        }
        var biasSegment = bias is not null && segments.TryGetValue(bias, out var b) ? b : -1;
        if (!is_grad_enabled())
        {
            return nn.functional.linear(input, gatherer.Weight(weightSegment), biasSegment >= 0 ? gatherer.Weight(biasSegment) : null);
        }
        hooks.UseStarted(weightSegment);
        if (biasSegment >= 0)
        {
            hooks.UseStarted(biasSegment);
        }
        return GatheredLinear.Apply(input, weight, biasSegment >= 0 ? bias : null, new GatheredCall(gatherer, hooks, weightSegment, biasSegment));
    }

    public override Tensor Lookup(Tensor ids, Parameter table)
    {
        if (!segments.TryGetValue(table, out var segment))
        {
            return base.Lookup(ids, table);
        }
        if (!is_grad_enabled())
        {
            var rows = gatherer.Weight(segment).index_select(0, ids.reshape(-1));
            return rows.view([.. ids.shape, rows.shape[1]]);
        }
        hooks.UseStarted(segment);
        return GatheredLookup.Apply(ids, table, new GatheredCall(gatherer, hooks, segment));
    }

    public override Tensor Scale(Tensor input, Parameter weight)
    {
        if (!segments.TryGetValue(weight, out var segment))
        {
            return base.Scale(input, weight);
        }
        if (!is_grad_enabled())
        {
            return gatherer.Weight(segment) * input;
        }
        hooks.UseStarted(segment);
        return GatheredScale.Apply(input, weight, new GatheredCall(gatherer, hooks, segment));
    }

    public override IDisposable EnterUnit(int unit) =>
        gatherer.Enter(layoutUnitOfModelUnit.TryGetValue(unit, out var layoutUnit) ? layoutUnit : null);

    protected override Tensor Use(Parameter parameter) =>
        segments.ContainsKey(parameter)
            ? throw new InvalidOperationException("a ZeRO-3 parameter was used outside Linear / Lookup / Scale: the model must use its parameters through its ParameterUse")
            : parameter;
}
