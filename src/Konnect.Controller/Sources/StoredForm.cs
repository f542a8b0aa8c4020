using Konnect.Api.CertManager;
using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;

namespace Konnect.Controller.Sources;

/// <summary>
/// What the cluster source keeps of an object it has listed or been sent: all but what nothing downstream reads and
/// the store would otherwise hold for every object for the life of the process (at 10,000 routes, about 5 MiB):
/// <list type="bullet">
/// <item>the resourceVersion (the reflector tracks the version itself; <see cref="StatusOnlyChange"/> ignores it);</item>
/// <item>a KonnectRoute's, KonnectPolicy's, KonnectConsumer's, Ingress's, GatewayClass's, Gateway's, HTTPRoute's or GRPCRoute's status:
/// the status the leader (or another controller) wrote, which the translator never reads and the status writers read
/// from the API server itself before they write;</item>
/// <item>a Service's status (its load balancer's addresses), which only --publish-service reads, from the API server;</item>
/// <item>the uid of Services, EndpointSlices, Secrets and ConfigMaps (a route's uid stays: cert-manager Certificates
/// name it as their owner).</item>
/// </list>
/// A cert-manager Certificate is kept whole: its status is its readiness, which the translator reads. The object is
/// freshly decoded and the source's own, so it is trimmed in place.
/// </summary>
internal static class StoredForm
{
    public static T Of<T>(T item) where T : class, IKubernetesObject
    {
        switch (item)
        {
            case Certificate:
                return item;
            case KonnectRoute route:
                route.Status = null;
                break;
            case KonnectPolicy policy:
                policy.Status = null;
                break;
            case KonnectConsumer consumer:
                consumer.Status = null;
                break;
            case Ingress ingress:
                // The published address: the status writer compares it with the server's copy, read before it writes.
                ingress.Status = null;
                break;
            case GatewayClass gatewayClass:
                gatewayClass.Status = null;
                break;
            case Gateway gateway:
                gateway.Status = null;
                break;
            case HttpRoute httpRoute:
                // Other controllers' parents too: only GatewayApiStatusWriter reads them, from the server.
                httpRoute.Status = null;
                break;
            case GrpcRoute grpcRoute:
                grpcRoute.Status = null;
                break;
            case Service service:
                // Read only from the API server, for --publish-service (IngressStatusWriter).
                service.Status = null;
                service.Metadata.Uid = null;
                break;
            default:
                item.Metadata.Uid = null;
                break;
        }
        item.Metadata.ResourceVersion = null;
        return item;
    }
}
