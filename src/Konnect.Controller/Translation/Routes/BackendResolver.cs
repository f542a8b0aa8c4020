using System.Globalization;
using System.Net;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Routes;

/// <summary>A backend resolved as far as it could be: endpoints when it resolved, a ResolvedRefs problem when not.</summary>
/// <param name="Warning">Something the route's status must shout about although the backend works (TLS verification off).</param>
internal sealed record ResolvedBackend(BackendModel Model, RouteProblem? Problem, string? Warning = null);

/// <summary>
/// Turns a route's backend into addresses: a static url as is, a Service through its port (by number or name) to
/// the ready endpoints of its EndpointSlices (ExternalName to its DNS name). References stay inside the route's namespace, but for an HTTPRoute's backendRef a ReferenceGrant allowed (RouteBackend.Namespace).
/// </summary>
internal sealed class BackendResolver(ResourceSnapshot snapshot, EndpointIndex endpoints, Tls.CertificateLoader certificates)
{
    /// <summary>Parses each Secret once per translation, for CA bundles here and route certificates in the compiler.</summary>
    public Tls.CertificateLoader Certificates => certificates;
    public bool FromCluster => snapshot.FromCluster;

    public ResolvedBackend Resolve(string ns, RouteBackend backend)
    {
        var resolved = ResolveAddress(ns, backend);
        if (resolved.Problem is not null || !UpstreamTls.Applies(backend, snapshot, ns)) { return resolved; }
        return UpstreamTls.Apply(resolved, ns, backend, snapshot, certificates);
    }

    private ResolvedBackend ResolveAddress(string routeNamespace, RouteBackend backend)
    {
        var ns = backend.Namespace ?? routeNamespace;
        if (backend.Url is { } url)
        {
            var urlProtocol = backend.AppProtocol is { } declared ? UpstreamProtocols.FromBackend(declared) : null;
            return new(new BackendModel { Name = url, Weight = backend.Weight, Endpoints = [url.TrimEnd('/')], Protocol = urlProtocol is { } p ? UpstreamProtocols.ForModel(p) : null }, null);
        }
        var name = $"{backend.Service}:{backend.Port}";
        BackendModel Empty() => new() { Name = name, Weight = backend.Weight, Endpoints = [] };

        if (!snapshot.Services.TryGetValue(new ObjectRef("Service", ns, backend.Service!), out var service))
        {
            return new(Empty(), new(Reasons.BackendNotFound, $"Service {ns}/{backend.Service} not found"));
        }
        var port = FindPort(service, backend.Port!.Value);
        if (port is null)
        {
            var known = string.Join(", ", (service.Spec.Ports ?? []).Select(p => p.Name is { Length: > 0 } n ? $"{n} ({p.Port})" : p.Port.ToString(CultureInfo.InvariantCulture)));
            return new(Empty(), new(Reasons.PortNotFound, $"Service {ns}/{backend.Service} has no port {backend.Port} (ports: {(known.Length > 0 ? known : "none")})"));
        }
        // The backend's own appProtocol wins over what the Service's owner declared for the port.
        var protocol = UpstreamProtocols.ForModel(backend.AppProtocol is { } own && UpstreamProtocols.FromBackend(own) is { } explicitProtocol
            ? explicitProtocol
            : UpstreamProtocols.FromServicePort(port));
        if (string.Equals(service.Spec.Type, "ExternalName", StringComparison.Ordinal) && service.Spec.ExternalName is { Length: > 0 } external)
        {
            return new(new BackendModel { Name = name, Weight = backend.Weight, Endpoints = [$"http://{external}:{port.Port.ToString(CultureInfo.InvariantCulture)}"], Protocol = protocol }, null);
        }
        return new(new BackendModel { Name = name, Weight = backend.Weight, Endpoints = endpoints.Ready(ns, backend.Service!, port.Name), Protocol = protocol }, null);
    }

    internal static ServicePort? FindPort(Service service, Konnect.Api.IntOrString port)
    {
        foreach (var p in service.Spec.Ports ?? [])
        {
            if (port.Number is { } n ? p.Port == n : string.Equals(p.Name, port.Name, StringComparison.Ordinal))
            {
                return p;
            }
        }
        return null;
    }
}

/// <summary>Ready endpoint addresses per Service and port name, built once per set of EndpointSlices.</summary>
internal sealed class EndpointIndex
{
    // Route-only changes keep the slices' collection instance, so a pass reuses the last index instead of grouping
    // 20,000 slices again (~10 ms at 10,000 routes). Weak: an index lives only as long as its slices.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, EndpointIndex> BySlices = [];

    private readonly Dictionary<(string Ns, string Service), List<EndpointSlice>> _slices = [];

    private EndpointIndex(IEnumerable<KeyValuePair<ObjectRef, EndpointSlice>> slices)
    {
        foreach (var (key, slice) in slices) { Group(_slices, key, slice, only: null); }
    }

    private EndpointIndex(Dictionary<(string Ns, string Service), List<EndpointSlice>> slices) => _slices = slices;

    /// <summary>
    /// The index of <paramref name="next"/>, derived from <paramref name="previous"/>'s when that one is known and the
    /// slices differ only for <paramref name="services"/>: those are grouped again, every other Service's list is shared.
    /// </summary>
    public static EndpointIndex Derive(ResourceSnapshot previous, ResourceSnapshot next, IReadOnlySet<(string Namespace, string Service)> services)
    {
        if (BySlices.TryGetValue(next.EndpointSlices, out var known)) { return known; }
        if (!BySlices.TryGetValue(previous.EndpointSlices, out var old)) { return Of(next); }
        var slices = new Dictionary<(string Ns, string Service), List<EndpointSlice>>(old._slices);
        if (services is SliceChanges changes)
        {
            // The changed slices are known: edit copies of their Services' lists instead of walking all 20,000 slices.
            var copied = new HashSet<(string, string)>();
            List<EndpointSlice> Writable((string, string) service)
            {
                if (!slices.TryGetValue(service, out var list)) { slices[service] = list = []; copied.Add(service); }
                else if (copied.Add(service)) { slices[service] = list = [.. list]; }
                return list;
            }
            foreach (var (key, before, after) in changes.Slices)
            {
                if (before is not null && ServiceOf(before) is { } was) { Writable((key.Namespace, was)).RemoveAll(s => ReferenceEquals(s, before)); }
                if (after is not null && ServiceOf(after) is { } now) { Writable((key.Namespace, now)).Add(after); }
            }
        }
        else
        {
            foreach (var service in services) { slices.Remove(service); }
            foreach (var (key, slice) in next.EndpointSlices) { Group(slices, key, slice, only: services); }
        }
        return BySlices.GetValue(next.EndpointSlices, _ => new EndpointIndex(slices));
    }

    /// <summary>The Service a slice belongs to (its kubernetes.io/service-name label), or null.</summary>
    public static string? ServiceOf(EndpointSlice slice) =>
        slice.Metadata.Labels?.GetValueOrDefault(EndpointSlice.ServiceNameLabel) is { Length: > 0 } service ? service : null;

    /// <summary>Files <paramref name="slice"/> under its Service (when it names one, and that one is in <paramref name="only"/>).</summary>
    private static void Group(Dictionary<(string Ns, string Service), List<EndpointSlice>> slices, ObjectRef key, EndpointSlice slice,
        IReadOnlySet<(string Namespace, string Service)>? only)
    {
        if (ServiceOf(slice) is not { } service || only?.Contains((key.Namespace, service)) == false) { return; }
        if (!slices.TryGetValue((key.Namespace, service), out var list)) { slices[(key.Namespace, service)] = list = []; }
        list.Add(slice);
    }

    /// <summary>The index of <paramref name="snapshot"/>'s EndpointSlices (shared by snapshots that share them).</summary>
    public static EndpointIndex Of(ResourceSnapshot snapshot) => BySlices.GetValue(snapshot.EndpointSlices, static slices => new EndpointIndex((IEnumerable<KeyValuePair<ObjectRef, EndpointSlice>>)slices));

    /// <summary>"http://address:port" for every ready endpoint, sorted and without duplicates.</summary>
    public IReadOnlyList<string> Ready(string ns, string service, string? portName)
    {
        if (!_slices.TryGetValue((ns, service), out var slices)) { return []; }
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var slice in slices)
        {
            // A slice port matches the Service port by name; an unnamed Service port has an unnamed slice port.
            var slicePort = slice.Ports?.FirstOrDefault(p => string.Equals(p.Name ?? "", portName ?? "", StringComparison.Ordinal));
            if (slicePort?.Port is not { } number) { continue; }
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (endpoint.Conditions?.Ready == false) { continue; }
                foreach (var address in endpoint.Addresses)
                {
                    result.Add($"http://{FormatHost(address)}:{number.ToString(CultureInfo.InvariantCulture)}");
                }
            }
        }
        return [.. result];
    }

    private static string FormatHost(string address) =>
        IPAddress.TryParse(address, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]" : address;
}
