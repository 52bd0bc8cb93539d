using SharpSpeed.Engine.Flat;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Precision;

/// <summary>
/// Mixed precision done by hand, as DeepSpeed does it: the model's parameters and gradients live in flat buffers of
/// the model dtype (fp16 / bf16 / fp32); the optimizer works on an fp32 master copy of the range this rank owns
/// (the whole buffer on one process, a partition under ZeRO) and on fp32 gradients of that range. In fp32 the master
/// and fp32 gradients are views of the model buffers: no copies, and training is bit-identical to plain fp32.
/// </summary>
public sealed class MixedPrecision : IDisposable
{
    private readonly Tensor _modelSlice;
    private readonly Tensor _modelGradientSlice;

    public MixedPrecision(FlatLayout layout, TrainingPrecision precision, PartitionRange ownedRange, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Precision = precision;
        OwnedRange = ownedRange;
        var dtype = precision switch
        {
            TrainingPrecision.Fp16 => ScalarType.Float16,
            TrainingPrecision.Bf16 => ScalarType.BFloat16,
            _ => ScalarType.Float32,
        };
        ModelParameters = new FlatBuffer(layout, dtype, device);
        ModelGradients = new FlatBuffer(layout, dtype, device);
        _modelSlice = ModelParameters.Slice(ownedRange).DetachFromDisposeScope();
        _modelGradientSlice = ModelGradients.Slice(ownedRange).DetachFromDisposeScope();
        if (precision == TrainingPrecision.Fp32)
        {
            Master = _modelSlice.alias().DetachFromDisposeScope();
            Gradients = _modelGradientSlice.alias().DetachFromDisposeScope();
        }
        else
        {
            Master = zeros(ownedRange.Length, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
            Gradients = zeros(ownedRange.Length, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
        }
    }

    public TrainingPrecision Precision { get; }

    public PartitionRange OwnedRange { get; }

    /// <summary>The model's parameters (bind the module to it with <see cref="FlatBuffer.BindParameters"/>).</summary>
    public FlatBuffer ModelParameters { get; }

    /// <summary>The model's gradients (bind with <see cref="FlatBuffer.BindGradients"/>); backward accumulates here.</summary>
    public FlatBuffer ModelGradients { get; }

    /// <summary>fp32 master weights of the owned range: what the optimizer updates.</summary>
    public Tensor Master { get; }

    /// <summary>fp32 gradients of the owned range, unscaled: what the optimizer reads.</summary>
    public Tensor Gradients { get; }

    public bool HasSeparateMaster => Precision != TrainingPrecision.Fp32;

    /// <summary>Bytes of the fp32 master copy and fp32 gradients this rank holds beyond the model's own buffers.</summary>
    public long MasterBytes => HasSeparateMaster ? (Master.NumberOfElements + Gradients.NumberOfElements) * sizeof(float) : 0;

    /// <summary>Takes the master weights from the model (after binding, or after loading a 16-bit checkpoint).</summary>
    public void CopyModelToMaster()
    {
        if (HasSeparateMaster)
        {
            using var noGrad = no_grad();
            Master.copy_(_modelSlice);
        }
    }

    /// <summary>Writes the updated master weights back into the model's owned range (rounded to the model dtype).</summary>
    public void CopyMasterToModel()
    {
        if (HasSeparateMaster)
        {
            using var noGrad = no_grad();
            _modelSlice.copy_(Master);
        }
    }

    /// <summary>
    /// Owned-range model gradients into fp32 gradients, divided by the loss scale (a power of two for the dynamic
    /// scaler, so the division is exact).
    /// </summary>
    public void UnscaleGradients(double lossScale)
    {
        if (!(lossScale > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(lossScale), lossScale, "loss scale must be > 0");
        }
        using var noGrad = no_grad();
        if (HasSeparateMaster)
        {
            Gradients.copy_(_modelGradientSlice);
        }
        if (lossScale != 1.0)
        {
            Gradients.div_(lossScale);
        }
    }

    /// <summary>
    /// Unscales, then decides the step: overflow and global norm from this rank's pieces combined by
    /// <paramref name="sumAcrossRanks"/> (identity on one process; an all-reduce sum otherwise). An overflow on any rank
    /// is carried as an infinite squared norm, so one reduction gives both. Without overflow, clips to
    /// <paramref name="maxGradNorm"/> (0 = no clipping).
    /// </summary>
    public GradientCheck UnscaleAndClip(double lossScale, double maxGradNorm, Func<double, double>? sumAcrossRanks = null)
    {
        UnscaleGradients(lossScale);
        var local = GradientNorm.LocalOverflow(Gradients) ? double.PositiveInfinity : GradientNorm.LocalSquaredNorm(Gradients);
        var total = sumAcrossRanks is null ? local : sumAcrossRanks(local);
        var norm = Math.Sqrt(total);
        if (!double.IsFinite(norm))
        {
            return new GradientCheck(true, norm, 1.0);
        }
        var coefficient = maxGradNorm > 0 ? GradientNorm.ClipCoefficient(norm, maxGradNorm) : 1.0;
        GradientNorm.Clip(Gradients, coefficient);
        return new GradientCheck(false, norm, coefficient);
    }

    /// <summary>Clears the model's gradient buffer (and with it the fp32 gradients in fp32 mode) for the next accumulation.</summary>
    public void ZeroGradients()
    {
        ModelGradients.Zero();
        if (HasSeparateMaster)
        {
            Gradients.zero_();
        }
    }

    public void Dispose()
    {
        Master.Dispose();
        Gradients.Dispose();
        _modelSlice.Dispose();
        _modelGradientSlice.Dispose();
        ModelParameters.Dispose();
        ModelGradients.Dispose();
    }
}
