using Parquet.Serialization;
using SharpSpeed.Data.Readers;

namespace SharpSpeed.Tests.Data;

/// <summary>
/// The HF parquet layout of OpenAssistant/oasst1 (column names and types of its train/validation files: rank is a
/// nullable float64, review_result a nullable bool), written with Parquet.Net's own serializer.
/// </summary>
public sealed class OasstParquetTests
{
    public sealed class HfRow
    {
        public string? message_id { get; set; }
        public string? parent_id { get; set; }
        public string? user_id { get; set; }
        public string? text { get; set; }
        public string? role { get; set; }
        public string? lang { get; set; }
        public int? review_count { get; set; }
        public bool? review_result { get; set; }
        public bool deleted { get; set; }
        public double? rank { get; set; }
        public bool synthetic { get; set; }
        public string? message_tree_id { get; set; }
        public string? tree_state { get; set; }
    }

    private static HfRow Row(string id, string? parent, string role, string text, double? rank, string tree,
        bool deleted = false) => new()
    {
        message_id = id, parent_id = parent, user_id = "u", text = text, role = role, lang = "en", review_count = 3,
        review_result = true, deleted = deleted, rank = rank, synthetic = false, message_tree_id = tree,
        tree_state = "ready_for_export",
    };

    private static string WriteParquet(TempFolder dir, string name, IEnumerable<HfRow> rows)
    {
        var file = Path.Combine(dir.Path, name);
        ParquetSerializer.SerializeAsync(rows, file).GetAwaiter().GetResult();
        return file;
    }

    [Fact]
    public void TrainAndValidationFilesBecomeTheSplits()
    {
        using var dir = new TempFolder();
        // Children listed before their parent: the builder must not depend on row order.
        WriteParquet(dir, "train-00000-of-00001.parquet",
        [
            Row("a2", "p1", "assistant", "second", 1, "t1"),
            Row("p1", null, "prompter", "question", null, "t1"),
            Row("a1", "p1", "assistant", "first", 0, "t1"),
            Row("a3", "p1", "assistant", "gone", 2, "t1", deleted: true),
        ]);
        WriteParquet(dir, "validation-00000-of-00001.parquet",
        [
            Row("v1", null, "prompter", "val q", null, "t2"),
            Row("v2", "v1", "assistant", "val a", 0, "t2"),
        ]);
        var data = DatasetLoader.Load(dir.Path, new DatasetOptions());
        Assert.Equal(DatasetFormat.OasstParquet, data.Format);
        Assert.Equal(["second", "first"], data.Train.Select(s => s.Messages[1].Content));
        Assert.Equal(["val q", "val a"], Assert.Single(data.Validation).Messages.Select(m => m.Content));
    }

    [Fact]
    public void NonIntegralRankIsNamedWithItsRow()
    {
        using var dir = new TempFolder();
        var file = WriteParquet(dir, "train.parquet",
            [Row("p1", null, "prompter", "q", null, "t"), Row("a1", "p1", "assistant", "a", 0.5, "t")]);
        var error = Assert.Throws<InvalidRecordException>(() => DatasetLoader.Load(file, new DatasetOptions()));
        Assert.Equal($"{file}:2: column 'rank' must be an integer, got 0.5", error.Message);
    }
}
