using System.Net;
using Konnect.Api.Kubernetes;

namespace Konnect.Controller.Status;

/// <summary>
/// What the leader publishes in status.loadBalancer.ingress of Konnect's Ingresses (what `kubectl get ingress` shows
/// as ADDRESS) and in status.addresses of its Gateways (<see cref="GatewayApiStatusWriter"/>): the addresses of
/// --publish-address, or those of the --publish-service Service. Neither: nothing is written, and what an Ingress or
/// Gateway carries is left alone.
/// </summary>
public sealed record IngressPublishOptions
{
    /// <summary>--publish-address: IPs and host names, published as given (an IP when it parses as one).</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>--publish-service: the namespace and name of the Service whose addresses are published.</summary>
    public string? ServiceNamespace { get; init; }
    public string? ServiceName { get; init; }

    /// <summary>
    /// How often the leader reads the Service again (it is also read whenever an Ingress needs a write): a load
    /// balancer's address appears in the Service's status without any change Konnect would otherwise see. ingress-nginx
    /// checks every 60 s.
    /// </summary>
    public TimeSpan ServiceRefresh { get; init; } = TimeSpan.FromSeconds(60);

    public bool FromService => ServiceName is not null;

    /// <summary>The settings of --publish-service and --publish-address; an <see cref="ArgumentException"/> names what is wrong.</summary>
    public static IngressPublishOptions Parse(string? service, IReadOnlyList<string> addresses)
    {
        if (!string.IsNullOrWhiteSpace(service) && addresses.Count > 0)
        {
            throw new ArgumentException("--publish-service and --publish-address: give one of them, not both");
        }
        foreach (var address in addresses)
        {
            if (!IPAddress.TryParse(address, out _) && Uri.CheckHostName(address) != UriHostNameType.Dns)
            {
                throw new ArgumentException($"--publish-address: \"{address}\" is neither an IP address nor a host name");
            }
        }
        if (string.IsNullOrWhiteSpace(service)) { return new IngressPublishOptions { Addresses = addresses }; }
        var parts = service.Trim().Split('/');
        if (parts is not [{ Length: > 0 } ns, { Length: > 0 } name])
        {
            throw new ArgumentException($"--publish-service: \"{service}\" is not NAMESPACE/NAME");
        }
        return new IngressPublishOptions { ServiceNamespace = ns, ServiceName = name };
    }
}

/// <summary>Load-balancer addresses as Ingress status carries them, in one order so that lists compare.</summary>
internal static class IngressAddresses
{
    /// <summary>--publish-address's values: an IP when the text parses as one, else a host name (as ingress-nginx decides).</summary>
    public static List<IngressLoadBalancerIngress> FromAddresses(IEnumerable<string> addresses) =>
        Sorted(addresses.Select(a => IPAddress.TryParse(a, out _) ? new IngressLoadBalancerIngress { Ip = a } : new IngressLoadBalancerIngress { Hostname = a }));

    /// <summary>
    /// A Service's addresses, as ingress-nginx's --publish-service reads them (internal/ingress/status, by spec.type):
    /// LoadBalancer: every status.loadBalancer.ingress entry (its IP, else its host name) and then spec.externalIPs,
    /// which may be empty while the cloud's load balancer is pending; NodePort: spec.externalIPs, else the clusterIP;
    /// ClusterIP (the default): the clusterIP; ExternalName: the external name as a host name.
    /// </summary>
    public static List<IngressLoadBalancerIngress> FromService(Service service)
    {
        var spec = service.Spec;
        var external = (spec.ExternalIPs ?? []).Select(ip => new IngressLoadBalancerIngress { Ip = ip });
        var clusterIp = spec.ClusterIP is { Length: > 0 } ip and not "None" ? [new IngressLoadBalancerIngress { Ip = ip }] : Array.Empty<IngressLoadBalancerIngress>();
        return Sorted(spec.Type switch
        {
            "LoadBalancer" => (service.Status?.LoadBalancer?.Ingress ?? [])
                .Select(i => i.Ip is { Length: > 0 } lbIp ? new IngressLoadBalancerIngress { Ip = lbIp } : new IngressLoadBalancerIngress { Hostname = i.Hostname })
                .Concat(external),
            "NodePort" => spec.ExternalIPs is { Count: > 0 } ? external : clusterIp,
            "ExternalName" => spec.ExternalName is { Length: > 0 } name ? [new IngressLoadBalancerIngress { Hostname = name }] : [],
            _ => clusterIp,
        });
    }

    /// <summary>What an Ingress carries now, in the same order.</summary>
    public static List<IngressLoadBalancerIngress> Of(Ingress ingress) => Sorted(ingress.Status?.LoadBalancer?.Ingress ?? []);

    public static bool Same(IReadOnlyList<IngressLoadBalancerIngress> a, IReadOnlyList<IngressLoadBalancerIngress> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.Ip == p.Second.Ip && p.First.Hostname == p.Second.Hostname);

    /// <summary>By host name, then IP (so entries of an IP alone come first), without repeats: ingress-nginx's order, in which it compares too.</summary>
    private static List<IngressLoadBalancerIngress> Sorted(IEnumerable<IngressLoadBalancerIngress> addresses) =>
    [
        .. addresses.Where(a => !string.IsNullOrEmpty(a.Ip) || !string.IsNullOrEmpty(a.Hostname))
            .DistinctBy(a => (a.Hostname ?? "", a.Ip ?? ""))
            .OrderBy(a => a.Hostname ?? "", StringComparer.Ordinal).ThenBy(a => a.Ip ?? "", StringComparer.Ordinal),
    ];
}

/// <summary>One read of the --publish-service Service, as both the Ingress and the Gateway API writers need it.</summary>
/// <param name="Reached">False when the API server did not answer: the caller waits for it like for any write.</param>
/// <param name="Addresses">Null when the Service is missing or unreadable: publish nothing, keep what objects carry.</param>
/// <param name="Error">Why not, for the caller's log line.</param>
internal readonly record struct PublishedServiceRead(bool Reached, List<IngressLoadBalancerIngress>? Addresses, string? Error)
{
    public static async Task<PublishedServiceRead> ReadAsync(Konnect.Kubernetes.KubeApiClient client, IngressPublishOptions publish, CancellationToken cancellationToken)
    {
        try
        {
            var service = await client.GetAsync(Konnect.Kubernetes.ResourceTypes.Services, publish.ServiceNamespace!, publish.ServiceName!, cancellationToken).ConfigureAwait(false);
            return new(true, IngressAddresses.FromService(service), null);
        }
        catch (Konnect.Kubernetes.KubeApiException e) when (e.IsUnreachable)
        {
            return new(false, null, e.Message);
        }
        catch (Exception e) when (e is Konnect.Kubernetes.KubeApiException or HttpRequestException or IOException or System.Text.Json.JsonException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new(true, null, e.Message);
        }
    }
}
