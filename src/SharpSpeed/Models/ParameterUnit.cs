using TorchSharp.Modules;

namespace SharpSpeed.Models;

/// <summary>
/// A group of parameters that forward uses together, in forward order: the embedding, each decoder layer, the final
/// norm, the output head (<see cref="LlamaForCausalLM.ParameterUnits"/>). <see cref="Index"/> is what the model passes
/// to <see cref="ParameterUse.EnterUnit"/>. A training engine gathers ZeRO-3 parameters a unit at a time and never
/// lets a communication block cross a unit's boundary.
/// </summary>
public sealed record ParameterUnit(int Index, string Name, IReadOnlyList<(string Name, Parameter Parameter)> Parameters)
{
    public long Elements => Parameters.Sum(p => p.Parameter.numel());
}
