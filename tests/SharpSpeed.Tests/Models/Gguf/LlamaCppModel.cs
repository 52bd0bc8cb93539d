using LLama;
using LLama.Common;
using LLama.Native;

namespace SharpSpeed.Tests.Models.Gguf;

/// <summary>A GGUF file loaded by llama.cpp on the CPU, with greedy decoding from its raw logits.</summary>
internal sealed class LlamaCppModel : IDisposable
{
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _context;

    private LlamaCppModel(LLamaWeights weights, LLamaContext context)
    {
        _weights = weights;
        _context = context;
    }

    public static LlamaCppModel Load(string path)
    {
        var parameters = new ModelParams(path) { ContextSize = 256, GpuLayerCount = 0, Threads = 1, BatchThreads = 1 };
        var weights = LLamaWeights.LoadFromFile(parameters);
        return new LlamaCppModel(weights, weights.CreateContext(parameters));
    }

    /// <summary>llama.cpp's ids for <paramref name="text"/>, adding BOS as the file's add_bos_token says.</summary>
    public int[] Tokenize(string text)
    {
        var addBos = _weights.Vocab.ShouldAddBOS;
        return _context.Tokenize(text, addBos, special: true).Select(t => (int)t).ToArray();
    }

    /// <summary>The argmax token after <paramref name="prompt"/>, <paramref name="count"/> times, feeding each back.</summary>
    public int[] Greedy(IReadOnlyList<int> prompt, int count)
    {
        _context.NativeHandle.MemoryClear(true);
        var batch = new LLamaBatch();
        for (var i = 0; i < prompt.Count; i++)
        {
            batch.Add(prompt[i], i, LLamaSeqId.Zero, i == prompt.Count - 1);
        }
        var output = new List<int>();
        var position = prompt.Count;
        while (true)
        {
            var status = _context.NativeHandle.Decode(batch);
            if (status != DecodeResult.Ok)
            {
                throw new InvalidOperationException($"llama_decode failed: {status}");
            }
            var logits = _context.NativeHandle.GetLogitsIth(batch.TokenCount - 1);
            var best = 0;
            for (var v = 1; v < logits.Length; v++)
            {
                if (logits[v] > logits[best])
                {
                    best = v;
                }
            }
            output.Add(best);
            if (output.Count == count)
            {
                return [.. output];
            }
            batch.Clear();
            batch.Add(best, position++, LLamaSeqId.Zero, true);
        }
    }

    /// <summary>llama.cpp's logits at every position of <paramref name="ids"/>, [position][vocab].</summary>
    public float[][] Logits(IReadOnlyList<int> ids)
    {
        _context.NativeHandle.MemoryClear(true);
        var batch = new LLamaBatch();
        for (var i = 0; i < ids.Count; i++)
        {
            batch.Add(ids[i], i, LLamaSeqId.Zero, true);
        }
        var status = _context.NativeHandle.Decode(batch);
        if (status != DecodeResult.Ok)
        {
            throw new InvalidOperationException($"llama_decode failed: {status}");
        }
        return Enumerable.Range(0, ids.Count).Select(i => _context.NativeHandle.GetLogitsIth(i).ToArray()).ToArray();
    }

    public void Dispose()
    {
        _context.Dispose();
        _weights.Dispose();
    }
}
