using Mono.Cecil;
using Mono.Cecil.Cil;

namespace SharpSpeed.Tests.Foundation;

/// <summary>
/// The TorchSharp methods that hand libtorch a Scalar only the garbage collector owns, read from TorchSharp's IL: those
/// that convert a number to a Scalar without disposing any Scalar, and every TorchSharp method that calls one of those.
/// </summary>
internal sealed class TorchSharpScalarMakers
{
    private readonly HashSet<string> _makers;

    public TorchSharpScalarMakers(ModuleDefinition torchSharp)
    {
        var methods = torchSharp.GetTypes().SelectMany(t => t.Methods).Where(m => m.HasBody).ToList();
        _makers = methods.Where(m => Calls(m, MakesScalar) && !Calls(m, DisposesScalar)).Select(m => m.FullName).ToHashSet();
        for (var grew = true; grew;)
        {
            var callers = methods.Where(m => !_makers.Contains(m.FullName) && Calls(m, r => _makers.Contains(r.FullName))).ToList();
            _makers.UnionWith(callers.Select(m => m.FullName));
            grew = callers.Count > 0;
        }
    }

    public int Count => _makers.Count;

    public bool Contains(MethodReference method) => _makers.Contains(method.GetElementMethod().FullName);

    /// <summary>"Type.Method -> TorchSharp method" for every call in <paramref name="module"/> to a maker.</summary>
    public IEnumerable<string> CallsFrom(ModuleDefinition module) =>
        from type in module.GetTypes()
        from method in type.Methods
        where method.HasBody
        from instruction in method.Body.Instructions
        where instruction.Operand is MethodReference callee && Contains(callee)
        select $"{type.FullName}.{method.Name} -> {((MethodReference)instruction.Operand).FullName}";

    private static bool Calls(MethodDefinition method, Func<MethodReference, bool> callee) =>
        method.Body.Instructions.Any(i => i.OpCode.FlowControl == FlowControl.Call && i.Operand is MethodReference r && callee(r));

    private static bool MakesScalar(MethodReference method) =>
        method.DeclaringType.FullName == "TorchSharp.Scalar" && method.Name == "op_Implicit"
        || method.DeclaringType.FullName == "TorchSharp.ScalarExtensionMethods" && method.Name == "ToScalar";

    private static bool DisposesScalar(MethodReference method) =>
        method.DeclaringType.FullName == "TorchSharp.Scalar" && method.Name == "Dispose";
}
