using Konnect.Controller.Translation;
using Konnect.Model;

namespace Konnect.Controller.Status;

/// <summary>Where statuses go after each translation: memory and logs in folder mode, the status subresource in a cluster.</summary>
public interface IStatusSink
{
    ValueTask ReportAsync(IReadOnlyList<ObjectStatus> statuses, CancellationToken cancellationToken);
}
