using Parquet;
using Parquet.Schema;
using SharpSpeed.Data.Readers;

namespace SharpSpeed.Data.Oasst;

/// <summary>
/// oasst1 as published on the HF hub (OpenAssistant/oasst1, <c>train-*.parquet</c> / <c>validation-*.parquet</c>):
/// one message per row, trees rebuilt from parent_id. Columns the SFT rules need are read by name with the
/// type the file declares (rank is a float column in the HF export, integers elsewhere).
/// </summary>
public static class OasstParquetReader
{
    private static readonly string[] Required = ["message_id", "parent_id", "text", "role", "message_tree_id"];

    public static IEnumerable<OasstTree> Read(string path, RecordIssues issues) =>
        OasstTreeBuilder.Build(ReadRows(path, issues), issues);

    private static List<OasstMessageRow> ReadRows(string path, RecordIssues issues) =>
        ReadRowsAsync(path, issues).GetAwaiter().GetResult();

    private static async Task<List<OasstMessageRow>> ReadRowsAsync(string path, RecordIssues issues)
    {
        await using var stream = File.OpenRead(path);
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(stream).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or InvalidOperationException
                                      or ArgumentException or FormatException or IndexOutOfRangeException or OverflowException)
        {
            // Parquet.Net's own message names only the bytes it found, not the file.
            throw new InvalidDataException($"{path}: not a parquet file ({e.Message})", e);
        }
        await using var disposeReader = reader.ConfigureAwait(false);
        var fields = reader.Schema.DataFields.ToDictionary(f => f.Name, StringComparer.Ordinal);
        foreach (var name in Required)
        {
            if (!fields.ContainsKey(name))
            {
                throw new InvalidDataException($"{path}: parquet column '{name}' is missing; is this oasst1?");
            }
        }
        var rows = new List<OasstMessageRow>();
        long rowBase = 0;
        for (var group = 0; group < reader.RowGroupCount; group++)
        {
            using var groupReader = reader.OpenRowGroupReader(group);
            var count = checked((int)groupReader.RowCount);
            var columns = new ParquetColumns(groupReader, fields, count, path);
            for (var i = 0; i < count; i++)
            {
                var rowNumber = rowBase + i + 1;
                try
                {
                    rows.Add(columns.Row(i, rowNumber));
                }
                catch (InvalidRecordException e)
                {
                    issues.Report(e);
                }
            }
            rowBase += count;
        }
        return rows;
    }

    /// <summary>The columns of one row group, read whole; errors name the file and the 1-based row.</summary>
    private sealed class ParquetColumns
    {
        private readonly string _path;
        private readonly string?[] _messageId, _parentId, _text, _role, _treeId, _lang, _treeState;
        private readonly bool?[] _reviewResult, _deleted, _synthetic;
        private readonly double?[] _rank;

        public ParquetColumns(ParquetRowGroupReader group, Dictionary<string, DataField> fields, int count, string path)
        {
            _path = path;
            _messageId = Strings(group, fields, "message_id", count);
            _parentId = Strings(group, fields, "parent_id", count);
            _text = Strings(group, fields, "text", count);
            _role = Strings(group, fields, "role", count);
            _treeId = Strings(group, fields, "message_tree_id", count);
            _lang = Strings(group, fields, "lang", count);
            _treeState = Strings(group, fields, "tree_state", count);
            _reviewResult = Bools(group, fields, "review_result", count);
            _deleted = Bools(group, fields, "deleted", count);
            _synthetic = Bools(group, fields, "synthetic", count);
            _rank = Numbers(group, fields, "rank", count);
        }

        public OasstMessageRow Row(int i, long rowNumber)
        {
            string Need(string?[] column, string name) =>
                column[i] ?? throw new InvalidRecordException(_path, rowNumber, $"column '{name}' is null");

            var role = Need(_role, "role");
            if (role is not (OasstMessage.Prompter or OasstMessage.Assistant))
            {
                throw new InvalidRecordException(_path, rowNumber, $"column 'role' must be 'prompter' or 'assistant', got '{role}'");
            }
            int? rank = null;
            if (_rank[i] is { } value)
            {
                rank = value == Math.Floor(value) && Math.Abs(value) < int.MaxValue
                    ? (int)value
                    : throw new InvalidRecordException(_path, rowNumber, $"column 'rank' must be an integer, got {value}");
            }
            var message = new OasstMessage(Need(_messageId, "message_id"), _parentId[i], Need(_text, "text"), role,
                _lang[i], _reviewResult[i], _deleted[i] ?? false, _synthetic[i] ?? false, rank);
            return new OasstMessageRow(message, Need(_treeId, "message_tree_id"), _treeState[i], _path, rowNumber);
        }

        private string?[] Strings(ParquetRowGroupReader group, Dictionary<string, DataField> fields, string name, int count)
        {
            var values = new string?[count];
            if (!fields.TryGetValue(name, out var field))
            {
                return values;
            }
            if (field.ClrType != typeof(string) && field.ClrType != typeof(ReadOnlyMemory<char>))
            {
                throw new InvalidDataException($"{_path}: parquet column '{name}' must hold strings, holds {field.ClrType.Name}");
            }
            group.ReadAsync(field, values.AsMemory()!).AsTask().GetAwaiter().GetResult();
            return values;
        }

        private bool?[] Bools(ParquetRowGroupReader group, Dictionary<string, DataField> fields, string name, int count)
        {
            var values = new bool?[count];
            if (!fields.TryGetValue(name, out var field))
            {
                return values;
            }
            if (field.ClrType != typeof(bool))
            {
                throw new InvalidDataException($"{_path}: parquet column '{name}' must hold booleans, holds {field.ClrType.Name}");
            }
            group.ReadAsync<bool>(field, values.AsMemory()).AsTask().GetAwaiter().GetResult();
            return values;
        }

        private double?[] Numbers(ParquetRowGroupReader group, Dictionary<string, DataField> fields, string name, int count)
        {
            if (!fields.TryGetValue(name, out var field))
            {
                return new double?[count];
            }
            return field.ClrType switch
            {
                var t when t == typeof(double) => Read<double>(group, field, count, v => v),
                var t when t == typeof(float) => Read<float>(group, field, count, v => v),
                var t when t == typeof(long) => Read<long>(group, field, count, v => v),
                var t when t == typeof(int) => Read<int>(group, field, count, v => v),
                _ => throw new InvalidDataException($"{_path}: parquet column '{name}' must be numeric, holds {field.ClrType.Name}"),
            };
        }

        private static double?[] Read<T>(ParquetRowGroupReader group, DataField field, int count, Func<T, double> widen)
            where T : struct
        {
            var values = new T?[count];
            group.ReadAsync<T>(field, values.AsMemory()).AsTask().GetAwaiter().GetResult();
            return values.Select(v => v is { } x ? widen(x) : (double?)null).ToArray();
        }
    }
}
