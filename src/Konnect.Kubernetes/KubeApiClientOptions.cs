using System.Reflection;

namespace Konnect.Kubernetes;

/// <summary>Settings of <see cref="KubeApiClient"/> that do not come from the kubeconfig.</summary>
public sealed record KubeApiClientOptions
{
    /// <summary>Deadline for every call except a watch's stream (a watch only gets it until the response headers arrive).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long past its timeoutSeconds a watch may stay silent before it is treated as dropped: a half-open TCP
    /// connection (a node or load balancer gone without a reset) would otherwise block the watch forever.
    /// </summary>
    public TimeSpan WatchGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// While the API server does not answer, how often (at most; each pause is half to all of it) one probe asks
    /// whether it is back; everything waiting resumes within about this long of it answering (see <see cref="ApiServerProbe"/>).
    /// </summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one probe waits for an answer before it counts as none.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Sent as User-Agent, so API server audit logs and priority-and-fairness name us.</summary>
    public string UserAgent { get; init; } = DefaultUserAgent();

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    private static string DefaultUserAgent()
    {
        var version = typeof(KubeApiClientOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return $"konnect/{(plus > 0 ? version[..plus] : version)}";
    }
}
