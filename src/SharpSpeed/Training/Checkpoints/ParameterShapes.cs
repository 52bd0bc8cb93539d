using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SharpSpeed.Engine.Flat;

namespace SharpSpeed.Training.Checkpoints;

/// <summary>
/// global_step&lt;N&gt;/param_shapes.json: how the engine laid the parameters out in its flat buffer (order, shapes,
/// alignment, partitions), as DeepSpeed keeps param_shapes beside its ZeRO shards, so the shards can be put
/// back together without building the model.
/// </summary>
public sealed record ParameterShapes(
    [property: JsonPropertyName("partitions")] int Partitions,
    [property: JsonPropertyName("alignment")] long Alignment,
    [property: JsonPropertyName("parameters")] IReadOnlyList<ParameterShape> Parameters)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string PathIn(long step) =>
        Path.Combine("global_step" + step.ToString(CultureInfo.InvariantCulture), "param_shapes.json");

    public static ParameterShapes FromLayout(FlatLayout layout) =>
        new(layout.Partitions, layout.Alignment, layout.Segments.Select(s => new ParameterShape(s.Name, s.ShapeArray())).ToList());

    public FlatLayout ToLayout() =>
        FlatLayout.Create(Parameters.Select(p => (p.Name, p.Shape)), Partitions, Alignment);

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Indented));

    public static ParameterShapes Load(string path)
    {
        try
        {
            var shapes = JsonSerializer.Deserialize<ParameterShapes>(File.ReadAllText(path));
            if (shapes?.Parameters is null || shapes.Partitions < 1 || shapes.Alignment < 1
                || shapes.Parameters.Any(p => p.Name is null || p.Shape is null))
            {
                throw new InvalidDataException($"{path}: incomplete parameter layout");
            }
            return shapes;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a valid parameter layout ({e.Message})", e);
        }
    }
}

public sealed record ParameterShape(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("shape")] long[] Shape);
