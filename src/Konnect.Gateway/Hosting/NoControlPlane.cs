using Konnect.Api.Kubernetes;
using Konnect.Model;

namespace Konnect.Gateway.Hosting;

/// <summary>What a gateway hosted without a control plane (tests, embedding) reports to and reads statuses from: nothing.</summary>
internal sealed class NoControlPlane : IObjectStatuses, IDataPlaneReports
{
    public static readonly NoControlPlane Instance = new();

    public IReadOnlyList<ObjectStatus> Current => [];

    public void Set(ObjectRef obj, Condition condition) { }

    public void Clear(ObjectRef obj, string type) { }
}
