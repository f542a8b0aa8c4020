using Konnect.Controller.Translation;
using Konnect.Model;

namespace Konnect.Controller.Status;

/// <summary>Reports to several sinks in turn: the in-memory board (logs, admin) and, in a cluster, the status writer.</summary>
public sealed class StatusFanOut(IEnumerable<IStatusSink> sinks) : IStatusSink
{
    private readonly IStatusSink[] _sinks = [.. sinks];

    public async ValueTask ReportAsync(IReadOnlyList<ObjectStatus> statuses, CancellationToken cancellationToken)
    {
        foreach (var sink in _sinks) { await sink.ReportAsync(statuses, cancellationToken).ConfigureAwait(false); }
    }
}
