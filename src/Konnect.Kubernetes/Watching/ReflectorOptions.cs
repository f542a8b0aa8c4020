namespace Konnect.Kubernetes.Watching;

public sealed record ReflectorOptions
{
    /// <summary>Page size for lists (list chunking), so a large cluster is never read in one response.</summary>
    public int PageSize { get; init; } = 500;

    /// <summary>The server ends each watch after about this long (randomised ±50 %), which spreads reconnects.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
    public string? LabelSelector { get; init; }
    public string? FieldSelector { get; init; }

    /// <summary>
    /// The kind's CRD may not be installed (the Gateway API): a 404 is retried with the same backoff but logged at
    /// Debug, since the observer reports the missing CRDs once.
    /// </summary>
    public bool NotFoundExpected { get; init; }
}
