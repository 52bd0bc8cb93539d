using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SharpSpeed.Analyzers;

/// <summary>
/// SS0001: a TorchSharp <c>Scalar</c> must be held in a local while libtorch uses it. TorchSharp passes a Scalar's raw
/// handle to native code; a Scalar made on the fly (an implicit conversion from a .NET number, or TorchSharp's own
/// number overloads of the tensor operators) is unreachable from that moment, so a garbage collection during the
/// native call can run its finalizer and free it while libtorch reads it. That surfaced as a random
/// "Expected false to be true ... toDouble" failure. Fix: <c>using var scale = value.ToScalar();</c> then pass
/// <c>scale</c>; the <c>using</c> keeps it alive until the call has returned. Reading a one-element tensor has the same
/// flaw in TorchSharp's <c>ToSingle()</c>/<c>ToDouble()</c>/... and <c>(float)tensor</c>; <c>item&lt;T&gt;()</c> is safe.
/// TorchSharp overloads that make the Scalar inside themselves (<c>a + b</c> and <c>add_(t)</c> pass an alpha of 1,
/// <c>arange(start, stop)</c> a step of 1) are invisible from source; HiddenScalarCallTests finds them in the compiled
/// code, from TorchSharp's own IL, and <c>HeldScalars.One</c> is the held 1 to pass instead.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HeldScalarAnalyzer : DiagnosticAnalyzer
{
    private static readonly DiagnosticDescriptor Rule = new(
        "SS0001",
        "TorchSharp Scalar not held across the native call",
        "{0} makes a TorchSharp Scalar that only the garbage collector owns; hold it first: using var s = value.ToScalar();",
        "Reliability",
        DiagnosticSeverity.Error,
        isEnabledByDefault: true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Rule);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterOperationAction(ReportImplicitConversion, OperationKind.Conversion);
        context.RegisterOperationAction(ReportNumberOperator, OperationKind.Binary, OperationKind.CompoundAssignment);
        context.RegisterOperationAction(ReportUnheldToScalar, OperationKind.Invocation);
    }

    private static void ReportImplicitConversion(OperationAnalysisContext context)
    {
        var conversion = (IConversionOperation)context.Operation;
        if (conversion.IsImplicit && IsScalar(conversion.Type) && !IsScalar(conversion.Operand.Type))
        {
            Report(context, $"Converting '{conversion.Operand.Syntax}' implicitly");
        }
        else if (IsTensor(conversion.Operand.Type) && IsNumber(conversion.Type) && IsTorchSharp(conversion.OperatorMethod))
        {
            Report(context, $"Reading '{conversion.Syntax}' through TorchSharp's conversion operator (use item<T>())");
        }
    }

    private static void ReportNumberOperator(OperationAnalysisContext context)
    {
        var method = context.Operation switch
        {
            IBinaryOperation binary => binary.OperatorMethod,
            ICompoundAssignmentOperation compound => compound.OperatorMethod,
            _ => null,
        };
        if (IsTorchSharp(method) && method!.Parameters.Any(p => IsNumber(p.Type)))
        {
            Report(context, $"The operator in '{context.Operation.Syntax}'");
        }
    }

    private static void ReportUnheldToScalar(OperationAnalysisContext context)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (invocation.TargetMethod.Name == "ToScalar" && IsScalar(invocation.Type)
            && invocation.Parent is not (IVariableInitializerOperation or IFieldInitializerOperation or ISimpleAssignmentOperation
                or IReturnOperation))
        {
            Report(context, $"'{invocation.Syntax}' passed on without a local");
        }
        else if (invocation.TargetMethod.ContainingType?.ToDisplayString() == "TorchSharp.TensorExtensionMethods"
            && invocation.TargetMethod.Parameters.Length == 1 && IsTensor(invocation.TargetMethod.Parameters[0].Type)
            && (IsNumber(invocation.Type) || invocation.TargetMethod.Name.StartsWith("ToComplex", System.StringComparison.Ordinal)
                || invocation.TargetMethod.Name is "ToHalf" or "ToBFloat16"))
        {
            Report(context, $"'{invocation.Syntax}' (use item<T>())");
        }
    }

    private static void Report(OperationAnalysisContext context, string what) =>
        context.ReportDiagnostic(Diagnostic.Create(Rule, context.Operation.Syntax.GetLocation(), what));

    private static bool IsScalar(ITypeSymbol? type) => type?.ToDisplayString() == "TorchSharp.Scalar";

    private static bool IsTensor(ITypeSymbol? type) => type?.ToDisplayString() == "TorchSharp.torch.Tensor";

    private static bool IsTorchSharp(IMethodSymbol? method) =>
        method?.ContainingNamespace?.ToDisplayString().StartsWith("TorchSharp", System.StringComparison.Ordinal) == true;

    private static bool IsNumber(ITypeSymbol? type) => type?.SpecialType is SpecialType.System_Double
        or SpecialType.System_Single or SpecialType.System_Int64 or SpecialType.System_Int32 or SpecialType.System_Int16
        or SpecialType.System_Byte or SpecialType.System_SByte or SpecialType.System_Boolean;
}
