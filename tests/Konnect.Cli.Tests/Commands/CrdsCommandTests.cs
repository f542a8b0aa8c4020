using Konnect.Testing;

namespace Konnect.Cli.Tests.Commands;

/// <summary>
/// `konnect crds` through the real binary: what `konnect crds | kubectl apply -f -` and `make crds` (--output) get is
/// exactly the checked-in crds/ folder (which Konnect.Api.Tests keeps equal to the types).
/// </summary>
public sealed class CrdsCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-crds-").FullName;

    private static string[] CrdsFolder() =>
        [.. Directory.GetFiles(Path.Combine(Repo.Root, "crds"), "*.yaml").Order(StringComparer.Ordinal)];

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Crds_NoOutput_PrintsEveryFileOfTheCrdsFolderAsOneYamlStream()
    {
        var (exit, stdout, stderr) = await Repo.RunAsync("dotnet", Repo.KonnectDll, "crds");

        Assert.True(exit == 0, stderr);
        var documents = stdout.Split("---\n");
        Assert.Equal(CrdsFolder().Length, documents.Length);
        Assert.Equal(CrdsFolder().Select(File.ReadAllText).Order(StringComparer.Ordinal), documents.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Crds_Output_WritesTheFilesOfTheCrdsFolderAndListsThem()
    {
        var (exit, stdout, stderr) = await Repo.RunAsync("dotnet", Repo.KonnectDll, "crds", "--output", _dir);

        Assert.True(exit == 0, stderr);
        var written = Directory.GetFiles(_dir).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(CrdsFolder().Select(Path.GetFileName), written.Select(Path.GetFileName));
        foreach (var (expected, actual) in CrdsFolder().Zip(written)) { Assert.Equal(File.ReadAllText(expected), File.ReadAllText(actual)); }
        Assert.Equal(written, stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }
}
