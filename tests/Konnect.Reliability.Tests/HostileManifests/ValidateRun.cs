using System.Diagnostics;
using System.Text.RegularExpressions;
using Konnect.Commands;

namespace Konnect.Reliability.Tests.HostileManifests;

/// <summary>How Konnect took one mutant.</summary>
internal enum Verdict
{
    /// <summary>Served (folder mode) or passed (validate); unresolved references may have been warned about.</summary>
    Accepted,
    /// <summary>Refused, and every refusal names the file and gives a reason.</summary>
    Refused,
    /// <summary>Refused without saying why: an empty message, no line naming the file, or an exception's text.</summary>
    RefusedWithoutReason,
    /// <summary>An exception escaped, or the process ended.</summary>
    Crashed,
    /// <summary>Not done within the deadline.</summary>
    Hung,
}

/// <param name="Detail">Why the verdict is not Accepted or Refused: what to look at.</param>
internal sealed record ValidateOutcome(Verdict Verdict, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed, string? Detail = null);

/// <summary>
/// `konnect validate FILE` on one mutant, in process (ValidateCommand.Run, what the binary runs) so 10,000 of them
/// take seconds, under a deadline, and judged: exit 0 accepts; exit 1 must print at least one line, every line naming
/// the file and a line in it and then a reason that is not an exception's own text.
/// </summary>
internal static partial class ValidateRun
{
    public static async Task<ValidateOutcome> RunAsync(string path, TimeSpan deadline)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var started = Stopwatch.GetTimestamp();
        // A thread of its own, so a hang is seen at the deadline (the thread is then left behind: the run has failed).
        var run = Task.Factory.StartNew(() => ValidateCommand.Run([path], strict: false, stdout, stderr),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        int code;
        try
        {
            code = await run.WaitAsync(deadline);
        }
        catch (TimeoutException)
        {
            return new ValidateOutcome(Verdict.Hung, -1, "", "", Stopwatch.GetElapsedTime(started), $"still running after {deadline.TotalSeconds} s");
        }
        catch (Exception e)
        {
            return new ValidateOutcome(Verdict.Crashed, -1, stdout.ToString(), stderr.ToString(), Stopwatch.GetElapsedTime(started), e.ToString());
        }
        return Judge(path, code, stdout.ToString(), stderr.ToString(), Stopwatch.GetElapsedTime(started));
    }

    public static ValidateOutcome Judge(string path, int code, string stdout, string stderr, TimeSpan elapsed)
    {
        var lines = stdout.Replace("\r", "", StringComparison.Ordinal).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        switch (code)
        {
            case 0 when lines.Length == 0:
                return new ValidateOutcome(Verdict.Accepted, code, stdout, stderr, elapsed);
            case 0:
                return new ValidateOutcome(Verdict.RefusedWithoutReason, code, stdout, stderr, elapsed, "exit code 0 but errors printed");
            case 1 when lines.Length == 0:
                return new ValidateOutcome(Verdict.RefusedWithoutReason, code, stdout, stderr, elapsed, "exit code 1 and no error line");
            case 1:
                var bad = lines.FirstOrDefault(l => ReasonProblem(path, l) is not null);
                return bad is null
                    ? new ValidateOutcome(Verdict.Refused, code, stdout, stderr, elapsed)
                    : new ValidateOutcome(Verdict.RefusedWithoutReason, code, stdout, stderr, elapsed, $"{ReasonProblem(path, bad)}: {Shorten(bad)}");
            default:
                return new ValidateOutcome(Verdict.Crashed, code, stdout, stderr, elapsed, $"exit code {code}");
        }
    }

    /// <summary>What is wrong with one refusal line, or null: it must be "FILE:LINE[:COLUMN]: " and then a reason.</summary>
    public static string? ReasonProblem(string path, string line)
    {
        if (!line.StartsWith(path + ":", StringComparison.Ordinal)) { return "the line does not start with the file"; }
        var rest = line[(path.Length + 1)..];
        var located = Located().Match(rest);
        if (!located.Success) { return "no line number after the file"; }
        return Problem(rest[located.Length..]);
    }

    /// <summary>What is wrong with a reason, or null: it must say something, and not be a .NET exception's text.</summary>
    public static string? Problem(string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason) || !reason.Any(char.IsLetter)) { return "an empty reason"; }
        if (reason.TrimEnd().EndsWith(':')) { return "a reason that stops after its field"; }
        return ExceptionText().IsMatch(reason) ? "an exception's text instead of a reason" : null;
    }

    public static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + $"... ({text.Length} characters)";

    [GeneratedRegex(@"^\d+(:\d+)?: ", RegexOptions.CultureInvariant)]
    private static partial Regex Located();

    [GeneratedRegex(@"System\.[A-Za-z.]*Exception|Object reference not set|\bat Konnect\.|Index was outside|Sequence contains no|Nullable object must have", RegexOptions.CultureInvariant)]
    private static partial Regex ExceptionText();
}
