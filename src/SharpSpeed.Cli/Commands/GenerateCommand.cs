using System.CommandLine;
using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.Engine;
using SharpSpeed.IO;
using SharpSpeed.Models;
using SharpSpeed.Models.Adapters;
using SharpSpeed.Training;
using TorchSharp;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// <c>sharpspeed generate</c>: continues a prompt with a model folder's model and tokenizer, using a KV cache.
/// Sampling follows HF <c>generate</c>: temperature, then top-k, then top-p; <c>--temperature 0</c> is greedy.
/// With <c>--json</c> stdout carries exactly one object <c>{"prompt_ids", "output_ids", "text"}</c>, where
/// output_ids are the new tokens only and text is their decoding; logs always go to stderr.
/// </summary>
internal sealed class GenerateCommand
{
    // Generated text is printed as is (non-ASCII and quotes literally); the output is never embedded in HTML.
    private static readonly JsonSerializerOptions JsonOutput = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly Option<string> Model = new("--model", "--model_name_or_path")
    { Description = "HF model folder (config.json, weights, tokenizer.json) or org/name in the HF hub cache.", Required = true };

    private readonly Option<string> Revision = new("--revision")
    { Description = "Branch, tag or commit hash of an org/name model in the HF hub cache.", DefaultValueFactory = _ => HubCache.DefaultRevision };

    private readonly Option<string> Adapter = new("--adapter")
    { Description = "PEFT LoRA folder computed beside the base model (adapter_config.json + adapter_model.safetensors)." };

    private readonly Option<string> Prompt = new("--prompt") { Description = "Text to continue.", Required = true };
    private readonly Option<int> MaxNewTokens = new("--max_new_tokens") { Description = "Most tokens to add.", DefaultValueFactory = _ => 64 };
    private readonly Option<double> Temperature = new("--temperature") { Description = "Softmax temperature; 0 = greedy.", DefaultValueFactory = _ => 1.0 };
    private readonly Option<int> TopK = new("--top_k") { Description = "Sample among the k most likely tokens (0 = all).", DefaultValueFactory = _ => 50 };
    private readonly Option<double> TopP = new("--top_p") { Description = "Sample within the smallest set of probability >= p.", DefaultValueFactory = _ => 1.0 };
    private readonly Option<long> Seed = new("--seed") { Description = "Seed of the sampler.", DefaultValueFactory = _ => 42 };
    private readonly Option<string> Device = new("--device") { Description = "cpu, cuda or cuda:N.", DefaultValueFactory = _ => "cpu" };
    private readonly Option<bool> Json = new("--json") { Description = "Print one JSON object on stdout: prompt_ids, output_ids, text." };

    public static Command Create() => new GenerateCommand().Build();

    private Command Build()
    {
        var command = new Command("generate", "Generate text from a model folder with a KV cache (greedy, temperature, top-k, top-p).")
        {
            Model, Revision, Adapter, Prompt, MaxNewTokens, Temperature, TopK, TopP, Seed, Device, Json,
        };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var modelDir = parse.GetValue(Model)!;
        modelDir = HubCache.FromEnvironment().ResolveModel(modelDir, parse.GetValue(Revision)!);
        var device = ComputeDevice.Resolve(parse.GetValue(Device)!);
        var clock = Stopwatch.StartNew();
        // fp32 on the CPU (bf16 matmuls are slow there); the folder's own dtype on a GPU.
        using var model = ModelFolder.Load(modelDir, device.type == DeviceType.CPU ? torch.ScalarType.Float32 : null);
        if (parse.GetValue(Adapter) is { } adapterDir)
        {
            var adapter = AdapterLoading.Attach(model, adapterDir);
            error.WriteLine($"adapter {adapterDir}: LoRA r {adapter.R}, scale {adapter.Scale:G4}");
        }
        var tokenizer = HfTokenizer.FromPath(modelDir);
        ModelInputChecks.TokenizerFits(tokenizer, model.Config, modelDir);
        model.to(device);
        model.eval();
        error.WriteLine($"loaded {modelDir} ({model.Config.ParameterCount():N0} parameters) in {clock.Elapsed.TotalSeconds:F1} s");

        var eos = model.Config.EosTokenIds.Count > 0
            ? model.Config.EosTokenIds
            : tokenizer.EosId is { } id ? [id] : [];
        var options = new GenerationOptions
        {
            MaxNewTokens = parse.GetValue(MaxNewTokens),
            Temperature = parse.GetValue(Temperature),
            TopK = parse.GetValue(TopK),
            TopP = parse.GetValue(TopP),
            Seed = parse.GetValue(Seed),
            EosTokenIds = eos,
        };
        var promptIds = tokenizer.Encode(parse.GetValue(Prompt)!);
        if (ModelInputChecks.PositionProblem(promptIds.Length + options.MaxNewTokens, model.Config, modelDir,
                $"the prompt ({promptIds.Length} tokens) plus --max_new_tokens {options.MaxNewTokens}") is { } positions)
        {
            // HF's generate warns and goes on; so do we: the output past the limit may degrade.
            error.WriteLine($"warning: {positions}; tokens past that position may be poor");
        }
        clock.Restart();
        var outputIds = TextGenerator.Generate(model, promptIds, options);
        var seconds = clock.Elapsed.TotalSeconds;
        error.WriteLine($"generated {outputIds.Length} tokens in {seconds:F2} s ({outputIds.Length / Math.Max(seconds, 1e-9):F1} tokens/s)");
        var text = tokenizer.Decode(outputIds);
        if (parse.GetValue(Json))
        {
            var json = new JsonObject
            {
                ["prompt_ids"] = new JsonArray(promptIds.Select(i => (JsonNode?)i).ToArray()),
                ["output_ids"] = new JsonArray(outputIds.Select(i => (JsonNode?)i).ToArray()),
                ["text"] = text,
            };
            output.WriteLine(json.ToJsonString(JsonOutput));
        }
        else
        {
            output.WriteLine(parse.GetValue(Prompt) + text);
        }
        return 0;
    }
}
