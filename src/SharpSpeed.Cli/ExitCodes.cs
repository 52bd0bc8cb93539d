using System.Text.Json;
using SharpSpeed.Data.Readers;
using SharpSpeed.Data.Templates.Jinja;
using SharpSpeed.Engine.Config;
using SharpSpeed.Training.Checkpoints;

namespace SharpSpeed.Cli;

/// <summary>
/// The one map from an exception to the exit code, for every command: commands throw, and
/// <see cref="SharpSpeedCommandLine.Run"/> writes the line and exits with <see cref="For"/>.
/// </summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>
    /// The run itself failed (libtorch, MPI / NCCL, a diverged loss, a state the code did not expect) or a bug: the
    /// input may be fine. InvalidOperationException is here: the communication layer fails with it.
    /// </summary>
    public const int Failure = 1;

    /// <summary>What the user gave cannot be used (flags, files, data, configs, an output folder's state): fix it and rerun.</summary>
    public const int BadInput = 2;

    public static int For(Exception failure) => failure switch
    {
        ArgumentException or FormatException or InvalidDataException or IOException or UnauthorizedAccessException
            or NotSupportedException or JsonException or DeepSpeedConfigException
            or InvalidRecordException or JinjaException or TornCheckpointException => BadInput,
        _ => Failure,
    };
}
