using System.Diagnostics;
using System.Globalization;

namespace Konnect.Bench.Ai;

/// <summary>What one run measures, from the environment, so a quick run (CALLS=300 STREAMS=200) is one line away.</summary>
internal sealed record BenchSettings
{
    /// <summary>Timed non-streamed calls of each kind, direct and through Konnect (CALLS, default 2000).</summary>
    public int Calls { get; init; } = 2_000;

    /// <summary>Timed streamed calls of each kind (STREAMS, default 1000).</summary>
    public int Streams { get; init; } = 1_000;

    /// <summary>Untimed calls of each kind and mode first, for the JIT's tier-up and warm connections (WARMUP, default 200).</summary>
    public int Warmup { get; init; } = 200;

    /// <summary>
    /// And at least this long (WARMUP_SECONDS, default 10): Konnect's JIT keeps compiling the AI path at a higher tier
    /// for about 8 s of traffic (jitted methods counted with DOTNET_JitStdOutFile; a Release build, not ReadyToRun),
    /// 40 % of its CPU while it does, and on two cores that lands in the timed calls.
    /// </summary>
    public TimeSpan WarmupTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Prompt size in o200k tokens (PROMPT_TOKENS, default 2000).</summary>
    public int PromptTokens { get; init; } = 2_000;

    /// <summary>Distinct prompts the calls go through in turn, the same for direct and through (PROMPTS, default 16).</summary>
    public int Prompts { get; init; } = 16;

    /// <summary>Streams of the paced stand-in per kind, for the event-pacing check (PACED_STREAMS, default 100).</summary>
    public int PacedStreams { get; init; } = 100;

    /// <summary>The paced stand-in's pause between words (PACED_DELAY_MS, default 5).</summary>
    public int PacedDelayMs { get; init; } = 5;

    /// <summary>Everything on the last core (PIN, default 1; 0 leaves the processes where the scheduler puts them): see <see cref="Pinning"/>.</summary>
    public bool Pin { get; init; } = true;

    /// <summary>The binary under test (KONNECT_BIN, default the build in the repository for CONFIG).</summary>
    public string KonnectBinary { get; init; } = "";

    /// <summary>konnect-echo's dll (built for CONFIG when missing).</summary>
    public string EchoDll { get; init; } = "";

    public string Configuration { get; init; } = "Release";

    public static BenchSettings FromEnvironment(string root)
    {
        var configuration = Environment.GetEnvironmentVariable("CONFIG") is { Length: > 0 } c ? c : "Release";
        return new BenchSettings
        {
            Calls = Int("CALLS", 2_000),
            Streams = Int("STREAMS", 1_000),
            Warmup = Int("WARMUP", 200),
            WarmupTime = TimeSpan.FromSeconds(Int("WARMUP_SECONDS", 10)),
            PromptTokens = Int("PROMPT_TOKENS", 2_000),
            Prompts = Math.Max(1, Int("PROMPTS", 16)),
            PacedStreams = Int("PACED_STREAMS", 100),
            PacedDelayMs = Math.Max(1, Int("PACED_DELAY_MS", 5)),
            Pin = Environment.GetEnvironmentVariable("PIN") != "0",
            Configuration = configuration,
            KonnectBinary = Environment.GetEnvironmentVariable("KONNECT_BIN") is { Length: > 0 } bin
                ? bin : Path.Combine(root, "src", "Konnect", "bin", configuration, "net10.0", "konnect"),
            EchoDll = Path.Combine(root, "src", "Konnect.Echo", "bin", configuration, "net10.0", "konnect-echo.dll"),
        };

        static int Int(string name, int fallback) =>
            int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= 0 ? v : fallback;
    }

    /// <summary>Builds konnect-echo when its dll is missing (`make bench` publishes konnect but builds no echo); konnect must exist.</summary>
    public async Task EnsureBuiltAsync(string root)
    {
        if (!File.Exists(KonnectBinary))
        {
            throw new FileNotFoundException($"{KonnectBinary} not found: build it first (dotnet build src/Konnect -c {Configuration}) or set KONNECT_BIN", KonnectBinary);
        }
        if (File.Exists(EchoDll)) { return; }
        Console.Error.WriteLine($"ai: building konnect-echo ({Configuration})...");
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var arg in new[] { "build", Path.Combine(root, "src", "Konnect.Echo", "Konnect.Echo.csproj"), "-c", Configuration, "-v", "q", "-nologo" })
        {
            info.ArgumentList.Add(arg);
        }
        using var build = Process.Start(info) ?? throw new InvalidOperationException("could not start dotnet build");
        await build.WaitForExitAsync().ConfigureAwait(false);
        if (build.ExitCode != 0 || !File.Exists(EchoDll)) { throw new InvalidOperationException($"building konnect-echo failed (exit {build.ExitCode})"); }
    }
}
