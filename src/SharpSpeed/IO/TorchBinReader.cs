using TorchSharp;

namespace SharpSpeed.IO;

/// <summary>Reads PyTorch zip-format checkpoints (<c>torch.save</c> of a state dict) without executing any pickle code.</summary>
public static class TorchBinReader
{
    public static Dictionary<string, torch.Tensor> Load(string path, torch.ScalarType? dtype = null)
    {
        _ = dtype;
        throw new NotSupportedException($"{path}: PyTorch .bin loading lands in the next commit of this branch; use safetensors meanwhile");
    }
}
