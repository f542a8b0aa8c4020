using Konnect.Api.Schema;

namespace Konnect.Api.Tests.Schema;

/// <summary>The checked-in crds/ must be exactly what the types generate; UPDATE_CRDS=1 rewrites them.</summary>
public class CrdsFolderTests
{
    private static readonly string CrdsDirectory = Path.Combine(RepositoryRoot(), "crds");

    [Fact]
    public void CrdsFolder_MatchesGeneratedTypes()
    {
        if (Environment.GetEnvironmentVariable("UPDATE_CRDS") == "1") { CrdGenerator.WriteAll(CrdsDirectory); }
        var expected = CrdGenerator.GenerateAll();
        var actual = Directory.Exists(CrdsDirectory)
            ? Directory.GetFiles(CrdsDirectory, "*.yaml").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()
            : [];

        Assert.True(expected.Select(f => f.FileName).SequenceEqual(actual),
            $"crds/ holds [{string.Join(", ", actual)}] but the types generate [{string.Join(", ", expected.Select(f => f.FileName))}]: run make crds");
        foreach (var (fileName, yaml) in expected)
        {
            var onDisk = File.ReadAllText(Path.Combine(CrdsDirectory, fileName));
            Assert.True(onDisk == yaml, $"crds/{fileName} is out of date with src/Konnect.Api: run make crds (or UPDATE_CRDS=1 dotnet test tests/Konnect.Api.Tests)");
        }
    }

    [Fact]
    public void CrdsFolder_EveryFile_IsOneYamlDocumentEqualToGeneratedCrd()
    {
        foreach (var root in CrdGenerator.RootTypes())
        {
            var path = Path.Combine(CrdsDirectory, CrdGenerator.FileName(root));
            Assert.True(File.Exists(path), $"{path} is missing: run make crds");

            var parsed = YamlReader.Read(File.ReadAllText(path));

            Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(CrdGenerator.Generate(root), parsed),
                $"{path} does not parse back to the generated CRD: run make crds");
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Konnect.sln"))) { return dir.FullName; }
        }
        throw new InvalidOperationException($"Konnect.sln not found above {AppContext.BaseDirectory}.");
    }
}
