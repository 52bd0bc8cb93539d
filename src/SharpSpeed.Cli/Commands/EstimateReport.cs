using System.Globalization;
using System.Text;
using System.Text.Json;
using SharpSpeed.Planning;

namespace SharpSpeed.Cli.Commands;

/// <summary>Renders a <see cref="MemoryPlan"/> as the human table or the one-object JSON of docs/estimate.md.</summary>
internal static class EstimateReport
{
    private const string PaperSource =
        "paper = ZeRO paper section 5 (2+2+K bytes/param, K=12, partitioned per stage; no fp32 grads, no offload)";
    private const string DeepSpeedSource =
        "deepspeed = DeepSpeed's estimate_zero2/zero3_model_states_mem_needs (count fp32 grads and ZeRO-3's largest "
        + "layer; DeepSpeed has no estimator for stages 0-1)";
    private const string LayoutSource =
        "layout = SharpSpeed's engine layout by kind (blocks, fp32 gradient partition, buckets, gathered units), used for the verdict";

    public static string Json(
        MemoryPlan plan, string modelLabel, string dtype, IReadOnlyList<RecipeEstimate> recipes, ClusterSpec cluster)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            var setup = plan.Setup;
            var selected = plan.Selected;
            json.WriteStartObject();
            json.WriteString("model", modelLabel);
            json.WriteNumber("params", (long)Math.Round(plan.Model.Parameters));
            json.WriteNumber("num_gpus", setup.NumGpus);
            json.WriteNumber("num_nodes", setup.NumNodes);
            WriteNullable(json, "gpu_memory_gb", setup.GpuMemoryGb);
            json.WriteNumber("reserve_gb", setup.ReserveGb);
            json.WriteString("dtype", dtype);
            WriteNullable(json, "largest_layer_params", plan.Model.LargestLayerParameters);

            json.WriteStartObject("zero");
            foreach (var stage in plan.Stages)
            {
                json.WriteStartObject(stage.Stage.ToString(CultureInfo.InvariantCulture));
                json.WriteNumber("paper_gb", Gb(stage.PaperBytes));
                WriteNullable(json, "deepspeed_gb", stage.DeepSpeed is null ? null : Gb(stage.DeepSpeed.GpuBytesPerDevice));
                WriteNullable(json, "deepspeed_cpu_gb_per_node", stage.DeepSpeed is null ? null : Gb(stage.DeepSpeed.CpuBytesPerNode));
                if (stage.DeepSpeed is null)
                {
                    json.WriteNull("deepspeed_function");
                }
                else
                {
                    json.WriteString("deepspeed_function", stage.DeepSpeed.Function);
                }
                json.WriteString("offload", OffloadName(stage.Offload));
                json.WriteNumber("model_states_gpu_gb", Gb(stage.ModelStateGpuBytes));
                json.WriteNumber("cpu_gb_per_node", Gb(stage.CpuBytesPerNode));
                json.WriteNumber("buckets_gb", Gb(stage.BucketBytes));
                json.WriteNumber("total_gpu_gb", Gb(stage.GpuTotalBytes));
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteString("paper_is", PaperSource);
            json.WriteString("deepspeed_is", DeepSpeedSource);

            WriteNullable(json, "activations_gb", plan.Activations is null ? null : Gb(plan.Activations.TotalBytes));
            if (plan.Activations is { } activations)
            {
                json.WriteStartObject("activations");
                json.WriteNumber("per_layer_gb", Gb(activations.PerLayerBytes));
                json.WriteNumber("decoder_gb", Gb(activations.DecoderBytes));
                json.WriteNumber("final_norm_gb", Gb(activations.FinalNormBytes));
                json.WriteNumber("logits_gb", Gb(activations.LogitsBytes));
                json.WriteNumber("korthikanti_per_layer_gb", Gb(activations.KorthikantiPerLayerBytes));
                json.WriteString("formula", ActivationMemory.Formula);
                json.WriteEndObject();
            }

            json.WriteNumber("zero_stage", setup.ZeroStage);
            json.WriteString("offload", OffloadName(setup.Offload));
            json.WriteNumber("micro_batch_size", setup.MicroBatchSize);
            json.WriteNumber("seq_length", setup.SeqLength);
            json.WriteBoolean("gradient_checkpointing", setup.GradientCheckpointing);
            json.WriteStartArray("model_states");
            foreach (var kind in selected.Memory.Kinds)
            {
                json.WriteStartObject();
                json.WriteString("name", RecipePlanner.Name(kind.Kind));
                json.WriteNumber("gpu_gb", Gb(kind.DeviceBytes));
                json.WriteNumber("cpu_gb", Gb(kind.HostBytes));
                json.WriteString("formula", kind.Formula);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteString("layout_legend", selected.Memory.Legend);
            json.WriteNumber("buckets_gb", Gb(selected.BucketBytes));
            json.WriteNumber("total_gpu_gb", Gb(selected.GpuTotalBytes));
            json.WriteNumber("cpu_gb_per_node", Gb(selected.CpuBytesPerNode));
            if (plan.Fits is { } fits)
            {
                json.WriteBoolean("fits", fits);
            }
            else
            {
                json.WriteNull("fits");
            }
            WriteStrings(json, "advice", plan.Advice);
            WriteStrings(json, "notes", plan.Notes);
            RecipeReport.WriteJson(json, recipes, cluster);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string Table(MemoryPlan plan, string modelLabel, string dtype)
    {
        var setup = plan.Setup;
        var selected = plan.Selected;
        var text = new StringBuilder();
        text.AppendLine(Invariant($"Model: {modelLabel}, {plan.Model.Parameters / 1e9:0.###}e9 parameters{ShapeText(plan.Model.Config)}"));
        text.AppendLine(Invariant($"Setup: {setup.NumGpus} GPUs on {setup.NumNodes} node(s), ZeRO-{setup.ZeroStage}, offload {OffloadName(setup.Offload)}, ")
                + Invariant($"micro-batch {setup.MicroBatchSize} x {setup.SeqLength} tokens, {dtype} mixed precision with Adam, ")
                + (setup.GradientCheckpointing ? "activation checkpointing" : "no activation checkpointing")
                + (setup.Lora is { } lora
                    ? Invariant($", LoRA r={lora.Rank} on {string.Join(",", lora.TargetModules)} (fp32 adapters), {setup.Bits}-bit frozen base")
                    : ""));
        text.AppendLine();
        text.AppendLine("Model states per GPU (GB = 1e9 bytes):");
        text.AppendLine("stage  offload    paper  deepspeed   layout  CPU/node  buckets  total GPU");
        foreach (var stage in plan.Stages)
        {
            string deepSpeed = stage.DeepSpeed is null ? "-" : Number(stage.DeepSpeed.GpuBytesPerDevice);
            string mark = stage.Stage == setup.ZeroStage ? " <" : "";
            text.AppendLine(Invariant($"{stage.Stage,5}  {OffloadName(stage.Offload),-9} {Number(stage.PaperBytes),6} {deepSpeed,10} {Number(stage.ModelStateGpuBytes),8} ")
                + Invariant($"{Number(stage.CpuBytesPerNode),9} {Number(stage.BucketBytes),8} {Number(stage.GpuTotalBytes),10}{mark}"));
        }
        text.AppendLine("  " + PaperSource);
        text.AppendLine("  " + DeepSpeedSource);
        text.AppendLine("  " + LayoutSource);
        if (selected.DeepSpeed is { } ds)
        {
            text.AppendLine(Invariant($"  DeepSpeed's CPU estimate for ZeRO-{selected.Stage}: {GbText(ds.CpuBytesPerNode)} per node (1.5x buffer factor)"));
        }
        text.AppendLine();
        text.AppendLine(Invariant($"ZeRO-{selected.Stage} per GPU, by part:"));
        text.AppendLine("  " + selected.Memory.Legend);
        foreach (var kind in selected.Memory.Kinds)
        {
            string where = kind.HostBytes > 0 ? $"{GbText(kind.HostBytes)} on CPU" : $"{GbText(kind.DeviceBytes)} on GPU";
            text.AppendLine(Invariant($"  {RecipePlanner.Name(kind.Kind),-12} {kind.Formula,-60} {where}"));
        }
        if (plan.Activations is { } a)
        {
            string mode = a.Checkpointed ? $"checkpointed: {plan.Model.Config!.NumHiddenLayers} layer inputs + 1 layer" : "all layers";
            text.AppendLine(Invariant($"  {"activations (" + mode + ")",-48} {GbText(a.TotalBytes)} on GPU: decoder {GbText(a.DecoderBytes)}, ")
                + Invariant($"final norm {GbText(a.FinalNormBytes)}, logits {GbText(a.LogitsBytes)}"));
            text.AppendLine(Invariant($"    per layer {GbText(a.PerLayerBytes)}; Korthikanti et al. sbh(34 + 5as/h) would give {GbText(a.KorthikantiPerLayerBytes)}"));
            text.AppendLine("    " + ActivationMemory.Formula);
        }
        text.AppendLine(Invariant($"  {"reserve (CUDA context, workspaces, fragmentation)",-48} {GbText(selected.ReserveBytes)} on GPU"));
        text.AppendLine(Invariant($"  {"total",-48} {GbText(selected.GpuTotalBytes)} per GPU, {GbText(selected.CpuBytesPerNode)} CPU per node"));
        text.AppendLine();
        text.AppendLine(plan.Fits switch
        {
            true => Invariant($"Verdict: FITS in {setup.GpuMemoryGb} GB per GPU."),
            false => Invariant($"Verdict: DOES NOT FIT in {setup.GpuMemoryGb} GB per GPU (needs {GbText(selected.GpuTotalBytes)})."),
            null => "Verdict: none (give --gpu_memory_gb).",
        });
        foreach (var line in plan.Advice)
        {
            text.AppendLine("  - " + line);
        }
        foreach (var note in plan.Notes)
        {
            text.AppendLine("Note: " + note);
        }
        return text.ToString();
    }

    private static string ShapeText(Models.ModelConfig? config) => config is null
        ? ""
        : Invariant($" (hidden {config.HiddenSize}, {config.NumHiddenLayers} layers, {config.NumAttentionHeads} heads, {config.NumKeyValueHeads} kv heads, ")
                + Invariant($"intermediate {config.IntermediateSize}, vocab {config.VocabSize}{(config.TieWordEmbeddings ? ", tied" : "")})");

    private static string OffloadName(OffloadMode offload) => offload switch
    {
        OffloadMode.None => "none",
        OffloadMode.Optimizer => "optimizer",
        _ => "all",
    };

    private static double Gb(double bytes) => Math.Round(bytes / MemoryPlan.BytesPerGb, 4);

    private static string GbText(double bytes) =>
        (bytes / MemoryPlan.BytesPerGb).ToString("0.00", CultureInfo.InvariantCulture) + " GB";

    private static string Number(double bytes) => (bytes / MemoryPlan.BytesPerGb).ToString("0.0", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }
        json.WriteEndArray();
    }
}
