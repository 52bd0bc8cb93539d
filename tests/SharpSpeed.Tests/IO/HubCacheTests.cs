using Parquet.Serialization;
using SharpSpeed.Data.Readers;
using SharpSpeed.IO;
using SharpSpeed.Tests.Data;
using static SharpSpeed.Tests.Cli.CliRunner;

namespace SharpSpeed.Tests.IO;

/// <summary>
/// "org/name" resolved offline in a hub cache laid out as huggingface_hub writes it (blobs, snapshot links, refs),
/// holding a real tiny model (single and sharded safetensors), the committed sharded PyTorch .bin fixture and
/// oasst1-layout parquet files.
/// </summary>
public sealed class HubCacheTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharpspeed-hub-cache-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_cache_root_is_chosen_as_huggingface_hub_chooses_it()
    {
        static string Root(params (string Name, string Value)[] set) =>
            HubCache.RootFrom(name => set.FirstOrDefault(v => v.Name == name).Value);
        Assert.Equal("/c", Root(("HF_HUB_CACHE", "/c"), ("HF_HOME", "/h"), ("HUGGINGFACE_HUB_CACHE", "/old")));
        Assert.Equal("/old", Root(("HUGGINGFACE_HUB_CACHE", "/old"), ("HF_HOME", "/h")));
        Assert.Equal("/h/hub", Root(("HF_HOME", "/h"), ("XDG_CACHE_HOME", "/x")));
        Assert.Equal("/x/huggingface/hub", Root(("XDG_CACHE_HOME", "/x")));
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(Path.Combine(home, ".cache", "huggingface", "hub"), Root());
        Assert.Equal(Path.Combine(home, "hf", "hub"), Root(("HF_HOME", "~/hf")));
    }

    /// <summary>A real tiny model folder written by init-model, and the same weights re-saved in shards.</summary>
    private (string Plain, string Sharded) TinyModelFolders()
    {
        var plain = Path.Combine(_dir, "tiny");
        var (code, _, error) = Run("init-model", "--config", "tiny", "--output", plain, "--seed", "3");
        Assert.True(code == 0, error);
        var sharded = Path.Combine(_dir, "tiny-sharded");
        Directory.CreateDirectory(sharded);
        foreach (var file in Directory.GetFiles(plain).Where(f => !f.EndsWith(".safetensors", StringComparison.Ordinal)))
        {
            File.Copy(file, Path.Combine(sharded, Path.GetFileName(file)));
        }
        var tensors = StateDictFiles.Load(plain);
        StateDictFiles.Save(sharded, tensors, maxShardBytes: new FileInfo(Path.Combine(plain, "model.safetensors")).Length / 3);
        Assert.True(File.Exists(Path.Combine(sharded, "model.safetensors.index.json")));
        return (plain, sharded);
    }

    [Fact]
    public void Revisions_resolve_to_their_snapshots_and_the_weights_load_through_the_links()
    {
        var (plain, sharded) = TinyModelFolders();
        var layout = new HubCacheLayout(Path.Combine(_dir, "hub"));
        var main = layout.Publish("models", "org/tiny", plain, "main");
        var shardedCommit = layout.Publish("models", "org/tiny", sharded, "sharded");
        var bin = Path.Combine(_dir, "bin");
        Directory.CreateDirectory(bin);
        File.Copy(Path.Combine(plain, "config.json"), Path.Combine(bin, "config.json"));
        foreach (var file in Directory.GetFiles(IoFixtures.File("sharded")))
        {
            File.Copy(file, Path.Combine(bin, Path.GetFileName(file)));
        }
        var binCommit = layout.Publish("models", "org/tiny", bin, "pr/1");
        var cache = new HubCache(layout.Root);

        Assert.Equal(layout.Snapshot("models", "org/tiny", main), cache.ResolveModel("org/tiny"));
        Assert.Equal(layout.Snapshot("models", "org/tiny", shardedCommit), cache.ResolveModel("org/tiny", "sharded"));
        Assert.Equal(layout.Snapshot("models", "org/tiny", shardedCommit), cache.ResolveModel("org/tiny", shardedCommit));
        Assert.Equal(layout.Snapshot("models", "org/tiny", binCommit), cache.ResolveModel("org/tiny", "pr/1"));
        Assert.Equal(plain, cache.ResolveModel(plain));

        var expected = StateDictFiles.Load(plain);
        var fromShards = StateDictFiles.Load(cache.ResolveModel("org/tiny", "sharded"));
        Assert.Equal(expected.Keys.Order(), fromShards.Keys.Order());
        foreach (var (name, tensor) in expected)
        {
            Assert.True(tensor.bytes.SequenceEqual(fromShards[name].bytes), name);
        }
        StateDictFilesTests.AssertBitEqual(IoFixtures.Expected("sharded"), StateDictFiles.Load(cache.ResolveModel("org/tiny", binCommit)));
    }

    [Fact]
    public void Generate_and_estimate_take_org_name_from_the_cache_under_HF_HOME()
    {
        var (plain, sharded) = TinyModelFolders();
        var layout = new HubCacheLayout(Path.Combine(_dir, "home", "hub"));
        layout.Publish("models", "org/tiny", plain, "main");
        var shardedCommit = layout.Publish("models", "org/tiny", sharded, null);
        string[] generate = ["generate", "--prompt", "Hi", "--json", "--temperature", "0", "--max_new_tokens", "5"];
        var local = Run([.. generate, "--model", plain]);
        Assert.True(local.ExitCode == 0, local.Error);
        using (new EnvironmentScope(("HF_HOME", Path.Combine(_dir, "home")), ("HF_HUB_CACHE", null), ("HUGGINGFACE_HUB_CACHE", null)))
        {
            var cached = Run([.. generate, "--model", "org/tiny"]);
            Assert.True(cached.ExitCode == 0, cached.Error);
            Assert.Equal(local.Output, cached.Output);
            Assert.Equal(local.Output, Run([.. generate, "--model", "org/tiny", "--revision", shardedCommit]).Output);

            var estimate = Run("estimate", "--model_name_or_path", "org/tiny", "--num_gpus", "2", "--zero_stage", "2", "--json");
            Assert.True(estimate.ExitCode == 0, estimate.Error);
            Assert.Equal(Run("estimate", "--model_name_or_path", plain, "--num_gpus", "2", "--zero_stage", "2", "--json").Output,
                estimate.Output.Replace("org/tiny", plain, StringComparison.Ordinal));

            var missing = Run([.. generate, "--model", "org/absent"]);
            Assert.Equal(2, missing.ExitCode);
            var line = Assert.Single(missing.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains($"looked at: {Path.GetFullPath("org/absent")} (no such folder); {layout.RepositoryFolder("models", "org/absent")} (missing)", line);
        }
    }

    [Fact]
    public void Train_fine_tunes_an_org_name_model_on_an_org_name_data_set_from_the_cache()
    {
        var (plain, _) = TinyModelFolders();
        var layout = new HubCacheLayout(Path.Combine(_dir, "home", "hub"));
        var model = layout.Publish("models", "org/tiny", plain, "main");
        // The bundled sample's trees without its answer key, whose greedy scoring would only slow the test down.
        var sample = Path.Combine(_dir, "chat-sample");
        Directory.CreateDirectory(sample);
        foreach (var file in Directory.GetFiles(BundledAssets.Locate("data/oasst1-sample"), "*.trees.jsonl"))
        {
            File.Copy(file, Path.Combine(sample, Path.GetFileName(file)));
        }
        layout.Publish("datasets", "org/chat-sample", sample, "main");
        var output = Path.Combine(_dir, "run");
        using (new EnvironmentScope(("HF_HOME", Path.Combine(_dir, "home")), ("HF_HUB_CACHE", null), ("HUGGINGFACE_HUB_CACHE", null)))
        {
            var (code, _, error) = Run("train", "--model_name_or_path", "org/tiny", "--revision", "main", "--dataset", "org/chat-sample",
                "--max_steps", "1", "--per_device_train_batch_size", "2", "--max_seq_length", "64", "--output_dir", output,
                "--report_to", "none", "--disable_tqdm", "--seed", "1");
            Assert.True(code == 0, error);
            Assert.Contains($"model {layout.Snapshot("models", "org/tiny", model)}", error);
            Assert.Contains("data: ", error);
        }
    }

    [Fact]
    public void Errors_name_every_path_looked_at_in_one_line()
    {
        var (plain, _) = TinyModelFolders();
        var layout = new HubCacheLayout(Path.Combine(_dir, "hub"));
        var main = layout.Publish("models", "org/tiny", plain, "main");
        var empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        File.WriteAllText(Path.Combine(empty, "README.md"), "no config");
        layout.Publish("models", "org/tiny", empty, "docs");
        var cache = new HubCache(layout.Root);
        string Message(string name, string revision = "main")
        {
            var error = Assert.Throws<FileNotFoundException>(() => cache.ResolveModel(name, revision));
            Assert.DoesNotContain('\n', error.Message);
            Assert.Contains("SharpSpeed never downloads", error.Message);
            return error.Message;
        }
        var repository = layout.RepositoryFolder("models", "org/tiny");
        Assert.Contains($"{layout.RepositoryFolder("models", "org/none")} (missing)", Message("org/none"));
        Assert.Contains($"{Path.Combine(repository, "refs", "v9")} (missing)", Message("org/tiny", "v9"));
        var unknownCommit = new string('a', 40);
        Assert.Contains($"{Path.Combine(repository, "snapshots", unknownCommit)} (missing)", Message("org/tiny", unknownCommit));
        Assert.Contains("(has no config.json)", Message("org/tiny", "docs"));
        Assert.Contains("not a hub repository id", Message("./no/such/model/folder"));
        Assert.Equal(layout.Snapshot("models", "org/tiny", main), cache.ResolveModel("org/tiny", main));
    }

    [Fact]
    public async Task Oasst1_parquet_files_resolve_from_the_datasets_cache()
    {
        var source = Path.Combine(_dir, "oasst1");
        Directory.CreateDirectory(Path.Combine(source, "data"));
        File.WriteAllText(Path.Combine(source, "README.md"), "---\nlicense: apache-2.0\n---\n");
        OasstParquetTests.HfRow Row(string id, string? parent, string role, string text, double? rank) => new()
        {
            message_id = id, parent_id = parent, user_id = "u", text = text, role = role, lang = "en", review_count = 3,
            review_result = true, deleted = false, rank = rank, synthetic = false, message_tree_id = "t" + id[..1],
            tree_state = "ready_for_export",
        };
        await ParquetSerializer.SerializeAsync(new[] { Row("p1", null, "prompter", "question", null), Row("p2", "p1", "assistant", "answer", 0) },
            Path.Combine(source, "data", "train-00000-of-00001-b42a775f407cee45.parquet"));
        await ParquetSerializer.SerializeAsync(new[] { Row("v1", null, "prompter", "val q", null), Row("v2", "v1", "assistant", "val a", 0) },
            Path.Combine(source, "data", "validation-00000-of-00001-134b8fd0c89408b6.parquet"));
        var layout = new HubCacheLayout(Path.Combine(_dir, "hub"));
        var commit = layout.Publish("datasets", "OpenAssistant/oasst1", source, "main");
        var cache = new HubCache(layout.Root);

        var resolved = DatasetLocator.Resolve("OpenAssistant/oasst1", cache);
        Assert.Equal(layout.Snapshot("datasets", "OpenAssistant/oasst1", commit), resolved);
        var data = DatasetLoader.Load(resolved, new DatasetOptions());
        Assert.Equal(DatasetFormat.OasstParquet, data.Format);
        Assert.Equal(["question", "answer"], Assert.Single(data.Train).Messages.Select(m => m.Content));
        Assert.Equal(["val q", "val a"], Assert.Single(data.Validation).Messages.Select(m => m.Content));

        var error = Assert.Throws<FileNotFoundException>(() => DatasetLocator.Resolve("OpenAssistant/oasst2", cache));
        Assert.Contains($"{layout.RepositoryFolder("datasets", "OpenAssistant/oasst2")} (missing)", error.Message);
        Assert.Contains("huggingface-cli download --repo-type dataset OpenAssistant/oasst2", error.Message);
    }

    /// <summary>Sets environment variables for one test and puts the old values back.</summary>
    private sealed class EnvironmentScope : IDisposable
    {
        private readonly (string Name, string? Value)[] _saved;

        public EnvironmentScope(params (string Name, string? Value)[] set)
        {
            _saved = set.Select(v => (v.Name, Environment.GetEnvironmentVariable(v.Name))).ToArray();
            foreach (var (name, value) in set)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        public void Dispose()
        {
            foreach (var (name, value) in _saved)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }
    }
}
