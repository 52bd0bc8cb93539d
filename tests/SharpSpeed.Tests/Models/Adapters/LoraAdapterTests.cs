using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using SharpSpeed.Models;
using SharpSpeed.Models.Adapters;
using SharpSpeed.Tests.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Models.Adapters;

/// <summary>
/// LoRA adapters against PEFT's documented behaviour: its initialisation, its adapter folder (config keys and tensor
/// names), and merge_and_unload's W0 + alpha/r·B·A.
/// </summary>
[Collection(SharpSpeed.Tests.Cli.GlobalRandomState.Name)]
public sealed class LoraAdapterTests
{
    private static readonly string[] AttentionAndMlp = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    [Fact]
    public void AdaptersFreezeTheBaseAndStartAsPeftInitialisesThem()
    {
        manual_seed(5);
        var config = SmallModels.Gqa with { HiddenSize = 256, HeadDim = 64, IntermediateSize = 384 };
        using var model = LlamaForCausalLM.CreateRandom(config, seed: 1);
        var wrapped = LoraInjection.Apply(model, new LoraConfig { R = 16, Alpha = 32, TargetModules = [LoraConfig.AllLinear] });

        Assert.Equal(2 * AttentionAndMlp.Length, wrapped.Count);
        Assert.DoesNotContain("lm_head", wrapped);
        var trained = model.ParameterUnits().SelectMany(u => u.Parameters).Select(p => p.Name).ToList();
        Assert.Equal(4 * AttentionAndMlp.Length, trained.Count);
        Assert.All(trained, name => Assert.Matches(@"\.lora_[AB]\.weight$", name));
        Assert.All(model.named_parameters().Where(p => !p.name.Contains(".lora_", StringComparison.Ordinal)), p => Assert.False(p.parameter.requires_grad));

        foreach (var (name, tensor) in LoraInjection.AdapterParameters(model))
        {
            if (name.EndsWith(".lora_B.weight", StringComparison.Ordinal))
            {
                Assert.Equal(0, tensor.abs().max().item<float>());
                continue;
            }
            // nn.Linear's default (kaiming_uniform_ with a=sqrt(5)) is U(-1/sqrt(in), 1/sqrt(in)): std bound/sqrt(3).
            var bound = 1 / Math.Sqrt(tensor.shape[1]);
            Assert.True(tensor.abs().max().item<float>() <= bound, $"{name} exceeds the Kaiming-uniform bound {bound}");
            var std = tensor.std().item<float>();
            // >= 4096 samples: the sample std of a uniform is within 5% of bound/sqrt(3) with overwhelming probability.
            Assert.InRange(std, 0.95 * bound / Math.Sqrt(3), 1.05 * bound / Math.Sqrt(3));
            Assert.InRange(tensor.mean().item<float>(), -0.05 * bound, 0.05 * bound);
        }

        // B = 0: the adapted model computes exactly the base model.
        using var ids = tensor(new long[,] { { 2, 7, 11, 3 } });
        using var baseModel = LlamaForCausalLM.CreateRandom(config, seed: 1);
        using var adapted = model.Forward(ids);
        using var plain = baseModel.Forward(ids);
        Assert.Equal(0, (adapted - plain).abs().max().item<float>());
    }

    [Fact]
    public void AdapterFolderIsPeftsFormat()
    {
        using var folder = new TempFolder();
        using var model = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 1, ScalarType.BFloat16);
        LoraInjection.Apply(model, new LoraConfig { R = 4, Alpha = 8, Dropout = 0.05, TargetModules = ["q_proj", "v_proj"] });
        var config = new LoraConfig { R = 4, Alpha = 8, Dropout = 0.05, TargetModules = ["q_proj", "v_proj"], BaseModelNameOrPath = "org/base" };
        AdapterFolder.Save(folder.Path, config, LoraInjection.AdapterParameters(model));

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(folder.Path, "adapter_config.json")))!.AsObject();
        // The keys and values PEFT's LoraConfig.save_pretrained writes for a plain LoRA (json.dumps(sort_keys=True)).
        Assert.Equal(json.Select(p => p.Key).Order(StringComparer.Ordinal), json.Select(p => p.Key));
        Assert.Equal("LORA", (string?)json["peft_type"]);
        Assert.Equal("CAUSAL_LM", (string?)json["task_type"]);
        Assert.Equal(4, (int?)json["r"]);
        Assert.Equal(8, (int?)json["lora_alpha"]);
        Assert.Equal(0.05, (double?)json["lora_dropout"]);
        Assert.Equal("org/base", (string?)json["base_model_name_or_path"]);
        Assert.Equal("none", (string?)json["bias"]);
        Assert.False((bool?)json["fan_in_fan_out"]);
        Assert.True((bool?)json["inference_mode"]);
        Assert.True((bool?)json["init_lora_weights"]);
        Assert.False((bool?)json["use_rslora"]);
        Assert.False((bool?)json["use_dora"]);
        Assert.Null(json["modules_to_save"]);
        Assert.Null(json["revision"]);
        Assert.Equal(["q_proj", "v_proj"], json["target_modules"]!.AsArray().Select(n => (string?)n));

        // The safetensors header read by hand: u64 little-endian length, then JSON {name: {dtype, shape, data_offsets}}.
        var bytes = File.ReadAllBytes(Path.Combine(folder.Path, "adapter_model.safetensors"));
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, length))!.AsObject();
        Assert.Equal("pt", (string?)header["__metadata__"]!["format"]);
        var expected = new List<string>();
        for (var layer = 0; layer < 2; layer++)
        {
            foreach (var module in (string[])["q_proj", "v_proj"])
            {
                expected.Add($"base_model.model.model.layers.{layer}.self_attn.{module}.lora_A.weight");
                expected.Add($"base_model.model.model.layers.{layer}.self_attn.{module}.lora_B.weight");
            }
        }
        Assert.Equal(expected.Order(StringComparer.Ordinal), header.Where(p => p.Key != "__metadata__").Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("BF16", (string?)header["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"]!["dtype"]);
        // q_proj: hidden 32 -> 4 heads x 8; v_proj: hidden 32 -> 2 kv heads x 8.
        Assert.Equal([4L, 32L], header["base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight"]!["shape"]!.AsArray().Select(n => (long)n!));
        Assert.Equal([16L, 4L], header["base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"]!["shape"]!.AsArray().Select(n => (long)n!));

        var read = AdapterFolder.LoadConfig(folder.Path);
        Assert.Equal(config with { TargetModules = read.TargetModules }, read);
        Assert.Equal(config.TargetModules, read.TargetModules);
    }

    [Fact]
    public void MergedModelComputesBasePlusAdapter()
    {
        using var folder = new TempFolder();
        var baseDir = Path.Combine(folder.Path, "base");
        var adapterDir = Path.Combine(folder.Path, "adapter");
        using (var original = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 2))
        {
            ModelFolder.Save(original, baseDir);
        }
        var config = new LoraConfig { R = 4, Alpha = 12, TargetModules = [LoraConfig.AllLinear], UseRslora = true };
        using var adapted = ModelFolder.Load(baseDir);
        manual_seed(9);
        LoraInjection.Apply(adapted, config);
        using (no_grad())
        {
            foreach (var (_, weight) in LoraInjection.AdapterParameters(adapted))
            {
                weight.normal_(0, 0.3);
            }
        }
        AdapterFolder.Save(adapterDir, config, LoraInjection.AdapterParameters(adapted));

        using var merged = ModelFolder.Load(baseDir);
        AdapterLoading.Merge(merged, adapterDir);
        using var reference = ModelFolder.Load(baseDir);
        var byPath = LoraInjection.Linears(adapted).ToDictionary(l => l.Path, l => l.Linear);
        foreach (var (path, linear) in LoraInjection.Linears(merged))
        {
            var unmerged = LoraInjection.Linears(reference).Single(l => l.Path == path).Linear.Weight;
            if (byPath[path].Adapter is not { } adapter)
            {
                Assert.Equal("lm_head", path);
                Assert.True(linear.Weight.equal(unmerged).all().item<bool>(), "all-linear left lm_head alone, yet its weight changed");
                continue;
            }
            // rsLoRA: alpha / sqrt(r) = 12 / 2 = 6.
            using var scale = 6.0.ToScalar();
            using var expected = unmerged.add(adapter.B.Weight.matmul(adapter.A.Weight).mul(scale), HeldScalars.One);
            Assert.True(linear.Weight.allclose(expected, rtol: 1e-6, atol: 1e-6), $"{path}: merged weight is not W0 + alpha/sqrt(r) B A");
        }

        // Forward of base + adapter equals forward of the merged weights (fp32: only summation order differs).
        adapted.eval();
        merged.eval();
        using var ids = tensor(new long[,] { { 2, 7, 11, 3, 5, 19 } });
        using var withAdapter = adapted.Forward(ids);
        using var mergedLogits = merged.Forward(ids);
        using var baseLogits = reference.Forward(ids);
        Assert.True((withAdapter - baseLogits).abs().max().item<float>() > 0.1, "the adapter changes nothing: the test would prove nothing");
        var difference = (withAdapter - mergedLogits).abs().max().item<float>();
        Assert.True(difference <= 1e-4, $"base + adapter and merged logits differ by {difference}");

        // generate --adapter's path (attach from the folder) gives the same greedy tokens as the merged model.
        using var attached = ModelFolder.Load(baseDir);
        AdapterLoading.Attach(attached, adapterDir);
        attached.eval();
        var options = new GenerationOptions { MaxNewTokens = 12, Temperature = 0 };
        Assert.Equal(TextGenerator.Generate(merged, [2, 7, 11], options), TextGenerator.Generate(attached, [2, 7, 11], options));
    }

    [Fact]
    public void GradientCheckpointingRecomputesTheSameDropoutMasks()
    {
        Dictionary<string, Tensor> Gradients(bool checkpointing)
        {
            using var model = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 4);
            manual_seed(8);
            LoraInjection.Apply(model, new LoraConfig { R = 4, Alpha = 8, Dropout = 0.5, TargetModules = [LoraConfig.AllLinear] });
            using (no_grad())
            {
                foreach (var (_, weight) in LoraInjection.AdapterParameters(model))
                {
                    weight.normal_(0, 0.3);
                }
            }
            model.train();
            model.GradientCheckpointing = checkpointing;
            using var ids = tensor(new long[,] { { 2, 7, 11, 3, 5, 19 } });
            using var logits = model.Forward(ids);
            model.Backward(logits.mul(logits).mean());
            return LoraInjection.AdapterParameters(model).ToDictionary(p => p.Key, p => p.Value.grad!.clone());
        }

        var plain = Gradients(checkpointing: false);
        var recomputed = Gradients(checkpointing: true);
        foreach (var (name, gradient) in plain)
        {
            Assert.True(gradient.abs().max().item<float>() > 0, $"{name}: no gradient");
            Assert.True(recomputed[name].allclose(gradient, rtol: 1e-5, atol: 1e-7), $"{name}: checkpointed recomputation drew other dropout masks");
        }
    }
}
