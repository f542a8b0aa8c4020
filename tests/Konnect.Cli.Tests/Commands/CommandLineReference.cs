using System.CommandLine;
using System.CommandLine.Help;
using System.Text;
using Konnect.Commands;

namespace Konnect.Cli.Tests.Commands;

/// <summary>
/// The tables of docs/reference/command-line.md, written from the declarations in src/Konnect/Commands (every command,
/// flag, environment variable, default and meaning), between two marker lines; the prose around them is by hand.
/// </summary>
internal static class CommandLineReference
{
    public const string Begin = "<!-- Generated from src/Konnect/Commands by tests/Konnect.Cli.Tests/Commands/CommandLineReferenceTests.cs: "
        + "edit the declarations, then UPDATE_DOCS=1 dotnet test tests/Konnect.Cli.Tests --filter CommandLineReference. -->";

    public const string End = "<!-- End of the generated part. -->";

    public static string Generate(KonnectCommand konnect)
    {
        var text = new StringBuilder();
        foreach (var command in konnect.Root.Subcommands)
        {
            var arguments = string.Concat(command.Arguments.Select(a => $" <{a.Name}>{(a.Arity.MaximumNumberOfValues > 1 ? "..." : "")}"));
            text.Append($"\n### `konnect {command.Name}{arguments}`\n\n{command.Description}\n");
            foreach (var argument in command.Arguments)
            {
                text.Append($"\n`<{argument.Name}>`: {argument.Description}\n");
            }
            var options = command.Options.Where(o => o is not HelpOption and not VersionOption).ToList();
            if (options.Count > 0)
            {
                text.Append("\n| Flag | Environment variable | Default | Meaning |\n| --- | --- | --- | --- |\n");
                foreach (var option in options) { text.Append(Row(option)); }
            }
            if (command.Name == "run")
            {
                text.Append("\nRead from the environment only (never from the command line, which every process on the machine can see):\n\n");
                text.Append("| Environment variable | Meaning |\n| --- | --- |\n");
                foreach (var variable in konnect.Run.Variables) { text.Append($"| `{variable.Variable}` | {Cell(variable.Meaning)} |\n"); }
            }
        }
        return text.ToString();
    }

    /// <summary>The document with its generated part replaced by <paramref name="generated"/>.</summary>
    public static string Splice(string document, string generated)
    {
        var begin = document.IndexOf(Begin, StringComparison.Ordinal);
        var end = document.IndexOf(End, StringComparison.Ordinal);
        if (begin < 0 || end < begin) { throw new InvalidOperationException("the marker lines of the generated part are missing"); }
        return document[..(begin + Begin.Length)] + "\n" + generated + "\n" + document[end..];
    }

    private static string Row(Option option)
    {
        var value = option.ValueType == typeof(bool) ? "" : $" <{option.HelpName ?? option.Name.TrimStart('-')}>";
        var flag = $"`{string.Join(", ", [option.Name, .. option.Aliases])}{value}`";
        if (option is not ISetting setting) { return $"| {Cell(flag)} | | | {Cell(option.Description ?? "")} |\n"; }
        var variable = setting.Variable is null ? "" : $"`{setting.Variable}`{(setting.VariableFormat is null ? "" : $" ({setting.VariableFormat})")}";
        var @default = setting.Default is null ? "" : $"`{setting.Default}`";
        return $"| {Cell(flag)} | {variable} | {@default} | {Cell(setting.Meaning)} |\n";
    }

    /// <summary>Text for a table cell: a pipe would end the cell, an asterisk start emphasis.</summary>
    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("*", "\\*", StringComparison.Ordinal);
}
