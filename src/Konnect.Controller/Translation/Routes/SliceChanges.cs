using Konnect.Api.Kubernetes;
using Konnect.Model;

namespace Konnect.Controller.Translation.Routes;

/// <summary>The Services whose EndpointSlices changed, and the slices themselves (before, after; null when added or removed).</summary>
public sealed class SliceChanges : HashSet<(string Namespace, string Service)>
{
    public List<(ObjectRef Key, EndpointSlice? Before, EndpointSlice? After)> Slices { get; } = [];
}
