namespace Konnect.Architecture.Tests;

/// <summary>Where the repository's sources are, found from the test's own output folder.</summary>
internal static class SourceTree
{
    public static string Root { get; } = FindRoot();

    public static string Src => Path.Combine(Root, "src");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Konnect.sln"))) { return dir.FullName; }
        }
        throw new InvalidOperationException($"No Konnect.sln above {AppContext.BaseDirectory}.");
    }
}
