using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Text;
using Konnect.Testing;

namespace Konnect.Reliability.Tests.Infrastructure;

/// <summary>
/// The real `konnect run --manifests` as a child process, as an operator runs it: traffic and admin on free loopback
/// ports, no HTTPS listener, no access log (a line per request would make the log, not the gateway, the subject of a
/// 30-minute soak). What it writes is kept: warnings and errors for failure messages, or every line where a test reads
/// the log (<see cref="StartAsync"/>'s <c>fullLog</c>).
/// </summary>
public sealed partial class KonnectProcess : IAsyncDisposable
{
    private readonly StringBuilder _output;
    private readonly Process _process;

    private KonnectProcess(Process process, StringBuilder output, int traffic, int admin)
    {
        _process = process;
        _output = output;
        Traffic = traffic;
        Admin = admin;
    }

    public int Traffic { get; }
    public int Admin { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public Uri TrafficUri => new($"http://127.0.0.1:{Traffic}");

    /// <summary>What Konnect wrote (warnings, errors and heap trims, or everything), for failure messages.</summary>
    public string Output { get { lock (_output) { return _output.ToString(); } } }

    /// <summary>How much Konnect has written so far; what it writes after a point is <see cref="OutputSince"/>.</summary>
    public int OutputLength { get { lock (_output) { return _output.Length; } } }

    public string OutputSince(int offset) { lock (_output) { return _output.ToString(offset, _output.Length - offset); } }

    /// <summary>
    /// Starts Konnect on <paramref name="folder"/> and waits for /readyz (the first model applied). With
    /// <paramref name="fullLog"/> its log is kept at its default level, information and up.
    /// </summary>
    public static async Task<KonnectProcess> StartAsync(string folder, int readySeconds = 90, bool fullLog = false)
    {
        var (traffic, admin) = (Repo.FreePort(), Repo.FreePort());
        var output = new StringBuilder();
        var environment = fullLog ? new Dictionary<string, string>() : new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Warning",
            // One line per heap trim (rare: once changes settle): the soak reads memory at rest from it.
            ["Logging__LogLevel__Konnect.Controller.HeapTrimmer"] = "Information",
        };
        var process = Repo.StartDotnet(Repo.KonnectDll, output, environment,
            "run", "--manifests", folder, "--listen", $"http://127.0.0.1:{traffic}", "--admin-listen", $"http://127.0.0.1:{admin}",
            "--listen-tls", "none", "--access-log", "off");
        var konnect = new KonnectProcess(process, output, traffic, admin);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Repo.EventuallyAsync(async () => !process.HasExited && (await http.GetAsync($"http://127.0.0.1:{admin}/readyz")).IsSuccessStatusCode,
                "konnect ready", readySeconds);
            return konnect;
        }
        catch (TimeoutException ex)
        {
            var exited = process.HasExited ? $" (it exited {process.ExitCode})" : "";
            await konnect.DisposeAsync();
            throw new TimeoutException($"{ex.Message}{exited}: {konnect.Output}", ex);
        }
    }

    /// <summary>Resident memory, open file descriptors and threads, from /proc.</summary>
    public ProcessSample Sample(TimeSpan at = default) => ProcessSample.Of(_process.Id, at);

    /// <summary>The managed heap as Konnect reports it on /metrics (dotnet_gc_heap_bytes: live objects and garbage not yet collected).</summary>
    public async Task<long> ManagedHeapBytesAsync(HttpClient http)
    {
        var text = await http.GetStringAsync($"http://127.0.0.1:{Admin}/metrics");
        var line = text.Split('\n').First(l => l.StartsWith("dotnet_gc_heap_bytes ", StringComparison.Ordinal));
        return (long)double.Parse(line["dotnet_gc_heap_bytes ".Length..], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The heap trims Konnect logged so far (`--heap-trim`, on by default: once no change has come for 5 s and the
    /// resident set grew by 16 MiB since the last trim, a compacting full collection that returns free memory).
    /// </summary>
    public IReadOnlyList<HeapTrim> HeapTrims() =>
        [.. TrimLine().Matches(Output).Select(m => new HeapTrim(Mib(m.Groups[1]), Mib(m.Groups[2])))];

    private static int Mib(Group group) => int.Parse(group.Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"Heap trimmed after \d+ pass\(es\): managed heap (\d+) MiB \(\d+ MiB committed\), resident \d+ -> (\d+) MiB")]
    private static partial Regex TrimLine();

    public ValueTask DisposeAsync()
    {
        Repo.Stop(_process);
        return ValueTask.CompletedTask;
    }
}

/// <summary>One heap trim: the managed heap left after its compacting full collection, and the resident set after it.</summary>
public readonly record struct HeapTrim(int ManagedHeapMiB, int ResidentMiB);
