namespace SharpSpeed.Tests.Engine;

/// <summary>Finds files committed in the repository (examples/...) from the test's output folder.</summary>
internal static class RepositoryFiles
{
    public static string Path(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, "SharpSpeed.slnx")))
            {
                return System.IO.Path.Combine(directory.FullName, relative);
            }
        }
        throw new FileNotFoundException($"no SharpSpeed.slnx above {AppContext.BaseDirectory}");
    }
}
