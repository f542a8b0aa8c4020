using System.Collections.Concurrent;

namespace Konnect.Testing.Kubernetes;

public sealed partial class FakeKubeApiServer
{
    // Collection paths ("/apis/GROUP/VERSION/PLURAL") whose CRD is "not installed": every request under them answers 404.
    private readonly ConcurrentDictionary<string, bool> _absent = new();

    /// <summary>Plays a cluster without the CRD behind <paramref name="collectionPath"/> (e.g. cert-manager not installed), or installs it again.</summary>
    public void SetResourceAbsent(string collectionPath, bool absent = true)
    {
        var key = FakeResource.FromCollectionPath(collectionPath).Key;
        if (absent) { _absent[key] = true; } else { _absent.TryRemove(key, out _); }
    }

    /// <summary>The collections of the Gateway API's CRDs (standard channel), which a cluster has only once the user installs them.</summary>
    public static readonly IReadOnlyList<string> GatewayApiCollections =
    [
        "/apis/gateway.networking.k8s.io/v1/gatewayclasses",
        "/apis/gateway.networking.k8s.io/v1/gateways",
        "/apis/gateway.networking.k8s.io/v1/httproutes",
        "/apis/gateway.networking.k8s.io/v1/grpcroutes",
        "/apis/gateway.networking.k8s.io/v1beta1/referencegrants",
    ];

    /// <summary>Plays a cluster without the Gateway API CRDs (every Gateway API collection answers 404), or installs them.</summary>
    public void SetGatewayApiAbsent(bool absent = true)
    {
        foreach (var collection in GatewayApiCollections) { SetResourceAbsent(collection, absent); }
    }

    private bool IsAbsent(FakeRequestTarget target) => _absent.ContainsKey(target.Resource.Key);
}
