namespace Konnect.Bench.Scale;

/// <summary>
/// What one run measures, from the environment, so a developer can run a quick version
/// (<c>SIZES=100,1000 CHANGES=5 CLUSTER_SIZES=</c>) while `make bench` runs the full one.
/// </summary>
public sealed record ScaleSettings
{
    /// <summary>Route counts served from a folder (SIZES, default 100,1000,10000).</summary>
    public IReadOnlyList<int> Sizes { get; init; } = [100, 1_000, 10_000];

    /// <summary>Route counts served from the fake Kubernetes API server (CLUSTER_SIZES, default 1000,10000; empty for none).</summary>
    public IReadOnlyList<int> ClusterSizes { get; init; } = [1_000, 10_000];

    /// <summary>HTTPRoute counts served from a folder (HTTPROUTE_SIZES, default 10000; empty for none): the Gateway API input.</summary>
    public IReadOnlyList<int> HttpRouteSizes { get; init; } = [10_000];

    /// <summary>Changes timed per kind and size (CHANGES, default 20).</summary>
    public int Changes { get; init; } = 20;

    /// <summary>
    /// Untimed-for-the-target changes of each kind before the timed ones (WARMUP, default 12): they carry the JIT's
    /// tier-up after start-up. Their p50 / max are printed beside the targets.
    /// </summary>
    public int Warmup { get; init; } = 12;

    /// <summary>Routes per host: 10,000 routes over 2,000 hosts, as issue #9 asks (ROUTES_PER_HOST, default 5).</summary>
    public int RoutesPerHost { get; init; } = 5;

    /// <summary>How long one change may take to show before it counts as lost (CHANGE_TIMEOUT_MS, default 10000).</summary>
    public TimeSpan ChangeTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Quiet time (no reconcile pass ending) before each change, in ms (QUIET_MS; default 300 in folder mode,
    /// 300 + routes / 5 in cluster mode, where each change's status write brings another pass).
    /// </summary>
    public int? QuietMs { get; init; }

    /// <summary>The binary under test (KONNECT_BIN, default the Release build in the repository).</summary>
    public string Binary { get; init; } = "";

    public static ScaleSettings FromEnvironment(string repositoryRoot)
    {
        var config = Environment.GetEnvironmentVariable("CONFIG") is { Length: > 0 } c ? c : "Release";
        return new ScaleSettings
        {
            Sizes = SizeList("SIZES") ?? [100, 1_000, 10_000],
            ClusterSizes = SizeList("CLUSTER_SIZES") ?? [1_000, 10_000],
            HttpRouteSizes = SizeList("HTTPROUTE_SIZES") ?? [10_000],
            Changes = Number("CHANGES") ?? 20,
            Warmup = Environment.GetEnvironmentVariable("WARMUP") is "0" ? 0 : Number("WARMUP") ?? 12,
            RoutesPerHost = Number("ROUTES_PER_HOST") ?? 5,
            ChangeTimeout = TimeSpan.FromMilliseconds(Number("CHANGE_TIMEOUT_MS") ?? 10_000),
            QuietMs = Number("QUIET_MS"),
            Binary = Environment.GetEnvironmentVariable("KONNECT_BIN") is { Length: > 0 } bin
                ? bin
                : Path.Combine(repositoryRoot, "src", "Konnect", "bin", config, "net10.0", "konnect"),
        };
    }

    // Unset means the default; set but empty means none (CLUSTER_SIZES= skips the cluster rows).
    private static int[]? SizeList(string name) => Environment.GetEnvironmentVariable(name) is { } text
        ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => Positive(name, s)).ToArray()
        : null;

    private static int? Number(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } text ? Positive(name, text) : null;

    private static int Positive(string name, string text) => int.TryParse(text.Replace("_", ""), out var n) && n > 0
        ? n
        : throw new ArgumentException($"{name}: \"{text}\" is not a positive whole number");
}
