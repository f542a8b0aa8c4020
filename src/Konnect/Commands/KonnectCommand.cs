using System.CommandLine;
using System.CommandLine.Invocation;

namespace Konnect.Commands;

/// <summary>
/// The `konnect` command: run the gateway, validate manifests, print CRDs, print the version. Every setting of `run`
/// is in <see cref="RunCommandOptions"/>; docs/reference/command-line.md is generated from these declarations.
/// </summary>
internal sealed class KonnectCommand
{
    /// <summary>The exit code of a bad flag or environment variable (1 is `konnect validate`'s "the manifests have problems").</summary>
    public const int UsageError = 2;

    /// <param name="environment">Reads an environment variable: <see cref="Environment.GetEnvironmentVariable(string)"/>, or a test's.</param>
    public KonnectCommand(Func<string, string?> environment)
    {
        Run = new RunCommandOptions(environment);
        var run = new Command("run", "Start the gateway on a folder of manifests (--manifests) or on a cluster.");
        Run.AddTo(run);
        run.SetAction((parse, cancellationToken) => RunCommand.RunAsync(Run.Read(parse), cancellationToken));

        var paths = new Argument<string[]>("paths") { Description = "Files or folders of manifests.", Arity = ArgumentArity.OneOrMore };
        var strict = new Option<bool>("--strict") { Description = "Treat unresolved references (a Service or policy not in PATHS) as errors." };
        var validate = new Command("validate", "Check manifests as the gateway would; exit 1 with one line per problem (file:line: Kind namespace/name: reason).")
        {
            paths, strict,
        };
        validate.SetAction(parse => ValidateCommand.Run(parse.GetValue(paths)!, parse.GetValue(strict), Console.Out, Console.Error));

        var output = new Option<string?>("--output", "-o") { Description = "Write one file per CRD into this folder instead of printing them." };
        var reference = new Option<string?>("--reference") { Description = "Also write the API reference (Markdown, generated from the same schema) to this file." };
        var crds = new Command("crds", "Print the CustomResourceDefinitions (or write them with --output).") { output, reference };
        crds.SetAction(parse => CrdsCommand.Run(parse.GetValue(output), Console.Out, parse.GetValue(reference)));

        var version = new Command("version", "Print the version.");
        version.SetAction(_ => VersionCommand.Run(Console.Out));

        Root = new RootCommand("Konnect: a Kubernetes-native API gateway. Serves KonnectRoutes from a cluster or from a folder of YAML.")
        {
            run, validate, crds, version,
        };
    }

    public RootCommand Root { get; }

    /// <summary>The settings of `konnect run`.</summary>
    public RunCommandOptions Run { get; }

    /// <summary>Parses and runs; a parse error (a bad flag or variable) is reported by System.CommandLine and exits <see cref="UsageError"/>.</summary>
    public async Task<int> InvokeAsync(string[] args, InvocationConfiguration? configuration = null)
    {
        var parse = Root.Parse(args);
        var exit = await parse.InvokeAsync(configuration).ConfigureAwait(false);
        // System.CommandLine's error action exits 1, which `validate` already uses for problems in the manifests.
        return parse.Action is ParseErrorAction ? UsageError : exit;
    }
}
