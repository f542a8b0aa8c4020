using Konnect.Commands;
using Konnect.Testing;

namespace Konnect.Cli.Tests.Commands;

/// <summary>docs/reference/command-line.md must list what the declarations declare; UPDATE_DOCS=1 rewrites its tables.</summary>
public sealed class CommandLineReferenceTests
{
    private static readonly string Document = Path.Combine(Repo.Root, "docs", "reference", "command-line.md");

    [Fact]
    public void CommandLineReference_MatchesTheDeclarations()
    {
        var generated = CommandLineReference.Generate(new KonnectCommand(_ => null));
        if (Environment.GetEnvironmentVariable("UPDATE_DOCS") == "1")
        {
            File.WriteAllText(Document, CommandLineReference.Splice(File.ReadAllText(Document), generated));
        }

        var onDisk = File.ReadAllText(Document);

        Assert.True(CommandLineReference.Splice(onDisk, generated) == onDisk,
            "docs/reference/command-line.md is out of date with src/Konnect/Commands: run UPDATE_DOCS=1 dotnet test tests/Konnect.Cli.Tests --filter CommandLineReference");
    }

    [Fact]
    public void CommandLineReference_NamesEveryCommandFlagAndVariable()
    {
        var konnect = new KonnectCommand(_ => null);
        var onDisk = File.ReadAllText(Document);

        foreach (var command in konnect.Root.Subcommands)
        {
            Assert.Contains($"### `konnect {command.Name}", onDisk, StringComparison.Ordinal);
            foreach (var option in command.Options.Where(o => o.Name != "--help")) { Assert.Contains($"`{option.Name}", onDisk, StringComparison.Ordinal); }
        }
        foreach (var setting in konnect.Run.Options.OfType<ISetting>().Where(s => s.Variable is not null))
        {
            Assert.Contains($"`{setting.Variable}`", onDisk, StringComparison.Ordinal);
        }
        foreach (var variable in konnect.Run.Variables) { Assert.Contains($"`{variable.Variable}`", onDisk, StringComparison.Ordinal); }
    }
}
