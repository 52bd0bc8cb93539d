using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using SharpSpeed.Engine.Flat;

namespace SharpSpeed.Training.Checkpoints;

/// <summary>
/// global_step&lt;N&gt;/param_shapes.json: how the engine laid the parameters out (units, shapes, alignment, block
/// size, partitions), as DeepSpeed keeps param_shapes beside its ZeRO shards, so the shards can be put back together
/// without building the model.
/// </summary>
public sealed record ParameterShapes(
    [property: JsonPropertyName("partitions")] int Partitions,
    [property: JsonPropertyName("alignment")] long Alignment,
    [property: JsonPropertyName("block_elements")] long BlockElements,
    [property: JsonPropertyName("units")] IReadOnlyList<ParameterShapeUnit> Units)
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string PathIn(long step) =>
        Path.Combine("global_step" + step.ToString(CultureInfo.InvariantCulture), "param_shapes.json");

    public static ParameterShapes FromLayout(FlatLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return new ParameterShapes(layout.Partitions, layout.Alignment, layout.BlockElements, [.. layout.Units
            .Where(u => u.Segments.Count > 0)
            .Select(u => new ParameterShapeUnit(u.Name, [.. u.Segments.Select(i => new ParameterShape(layout.Segments[i].Name, layout.Segments[i].ShapeArray()))]))]);
    }

    public FlatLayout ToLayout() =>
        FlatLayout.Create(Units.Select(u => (u.Name, u.Parameters.Select(p => (p.Name, p.Shape)))), Partitions, Alignment, BlockElements);

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Indented));

    public static ParameterShapes Load(string path)
    {
        try
        {
            var shapes = JsonSerializer.Deserialize<ParameterShapes>(File.ReadAllText(path));
            if (shapes?.Units is null || shapes.Partitions < 1 || shapes.Alignment < 1 || shapes.BlockElements < 1
                || shapes.Units.Any(u => u?.Name is null || u.Parameters is null || u.Parameters.Any(p => p?.Name is null || p.Shape is null || p.Shape.Any(d => d < 0))))
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

public sealed record ParameterShapeUnit(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("parameters")] IReadOnlyList<ParameterShape> Parameters);

public sealed record ParameterShape(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("shape")] long[] Shape);
