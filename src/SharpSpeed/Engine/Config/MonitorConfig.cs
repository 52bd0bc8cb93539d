namespace SharpSpeed.Engine.Config;

/// <summary>
/// An enabled DeepSpeed <c>tensorboard</c> or <c>csv_monitor</c> section: scalars go to output_path/job_name, as
/// DeepSpeed's monitors put them (relative paths are relative to the working directory; the defaults give
/// ./DeepSpeedJobName).
/// </summary>
public sealed record MonitorConfig(string OutputPath = "", string JobName = MonitorConfig.DefaultJobName)
{
    public const string DefaultJobName = "DeepSpeedJobName";

    public string Directory => Path.Combine(OutputPath, JobName);

    /// <summary>Null when the section is absent or disabled.</summary>
    internal static MonitorConfig? Read(ConfigSection root, string key)
    {
        var section = root.Section(key);
        if (section is null)
        {
            return null;
        }
        var enabled = section.Bool("enabled") ?? false;
        var config = new MonitorConfig(section.String("output_path") ?? "", section.String("job_name") ?? DefaultJobName);
        section.CheckUnknownKeys(strict: true);
        if (!enabled)
        {
            root.Notes.Add($"{key}: no effect in SharpSpeed (disabled)");
            return null;
        }
        if (config.JobName.Length == 0 || config.JobName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw section.Error("job_name", $"\"{config.JobName}\" is not a folder name");
        }
        return config;
    }
}
