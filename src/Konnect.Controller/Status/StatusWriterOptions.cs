namespace Konnect.Controller.Status;

/// <summary>Settings of <see cref="StatusWriter"/>.</summary>
public sealed record StatusWriterOptions
{
    /// <summary>
    /// How long a report waits before it is written, so a burst of translations (a GitOps sync applying fifty objects)
    /// becomes one write per object with the newest status instead of fifty.
    /// </summary>
    public TimeSpan FlushDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>First and longest wait before retrying a write that failed (409, 429, 5xx, unreachable).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Events' reportingController: who wrote them, as `kubectl events` shows.</summary>
    public string ReportingController { get; init; } = "konnect.dev/gateway";

    /// <summary>Events' reportingInstance: this pod (the leader's identity).</summary>
    public string ReportingInstance { get; init; } = Environment.MachineName;
}
