using System.Globalization;

namespace SharpSpeed.Comm;

/// <summary>How this process was started, read from its environment.</summary>
public enum Launcher
{
    /// <summary>No launcher variables: a single process.</summary>
    None,

    /// <summary>mpirun (OpenMPI's OMPI_COMM_WORLD_* variables), as `sharpspeed launch` starts ranks.</summary>
    OpenMpi,

    /// <summary>torchrun-style RANK / WORLD_SIZE / LOCAL_RANK / LOCAL_WORLD_SIZE without mpirun.</summary>
    Torchrun,
}

/// <summary>Rank and world discovery from OpenMPI's and torchrun's environment variables.</summary>
public sealed record LaunchEnvironment(Launcher Launcher, RankInfo Ranks)
{
    public static LaunchEnvironment Current => Detect(Environment.GetEnvironmentVariable);

    /// <summary>OpenMPI's variables win over torchrun's when both are set (mpirun started us).</summary>
    public static LaunchEnvironment Detect(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var openMpi = FromOpenMpi(variable);
        if (openMpi is not null)
        {
            return new LaunchEnvironment(Launcher.OpenMpi, openMpi);
        }
        var torchrun = Read(variable, "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE");
        return torchrun is not null
            ? new LaunchEnvironment(Launcher.Torchrun, torchrun)
            : new LaunchEnvironment(Launcher.None, RankInfo.OneProcess);
    }

    /// <summary>The ranks OpenMPI's mpirun gave this process, or null when it was not started by mpirun.</summary>
    public static RankInfo? FromOpenMpi(Func<string, string?> variable) =>
        Read(variable, "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
            "OMPI_COMM_WORLD_LOCAL_SIZE");

    private static RankInfo? Read(
        Func<string, string?> variable, string rankName, string sizeName, string localRankName, string localSizeName)
    {
        if (string.IsNullOrEmpty(variable(rankName)) && string.IsNullOrEmpty(variable(sizeName)))
        {
            return null;
        }
        var rank = Parse(variable, rankName, required: true) ?? 0;
        var size = Parse(variable, sizeName, required: true) ?? 1;
        // torchrun always sets LOCAL_RANK; without LOCAL_WORLD_SIZE assume one node.
        var localRank = Parse(variable, localRankName, required: false) ?? rank;
        var localSize = Parse(variable, localSizeName, required: false) ?? size;
        if (size < 1)
        {
            throw new InvalidOperationException($"environment variable {sizeName}={size}: the world size must be >= 1");
        }
        if (rank >= size)
        {
            throw new InvalidOperationException(
                $"environment variable {rankName}={rank} is not below {sizeName}={size}");
        }
        if (localSize < 1 || localSize > size || localRank >= localSize)
        {
            throw new InvalidOperationException(
                $"environment variables {localRankName}={localRank} and {localSizeName}={localSize} do not fit a " +
                $"world of {size}");
        }
        return new RankInfo(rank, size, localRank, localSize);
    }

    private static int? Parse(Func<string, string?> variable, string name, bool required)
    {
        var text = variable(name);
        if (string.IsNullOrEmpty(text))
        {
            return required
                ? throw new InvalidOperationException($"environment variable {name} is missing")
                : null;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"environment variable {name}='{text}' is not a non-negative integer");
    }
}
