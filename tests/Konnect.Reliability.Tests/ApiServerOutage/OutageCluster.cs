using Konnect.Api;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Kubernetes;
using Konnect.Model;
using Konnect.Testing.Kubernetes;

namespace Konnect.Reliability.Tests.ApiServerOutage;

/// <summary>
/// What the outage test applies to the fake API server, as kubectl would: Services with one EndpointSlice each,
/// KonnectRoutes by path prefix, and a KonnectPolicy whose JWKS the gateway loads itself. Reads statuses back.
/// </summary>
internal sealed class OutageCluster(FakeKubeApiServer api)
{
    public const string Ns = "default";

    public FakeKubeApiServer Api { get; } = api;

    public void PutService(string name, string sliceName, int port)
    {
        Api.Put(ResourceTypes.Services, new Service
        {
            Metadata = new ObjectMeta { Name = name, Namespace = Ns },
            Spec = new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 80 }] },
        });
        PutSlice(name, sliceName, port);
    }

    public void PutSlice(string service, string name, int port) => Api.Put(ResourceTypes.EndpointSlices, new EndpointSlice
    {
        Metadata = new ObjectMeta { Name = name, Namespace = Ns, Labels = new() { [EndpointSlice.ServiceNameLabel] = service } },
        AddressType = "IPv4",
        Ports = [new EndpointPort { Name = "http", Port = port }],
        Endpoints = [new Konnect.Api.Kubernetes.Endpoint { Addresses = ["127.0.0.1"], Conditions = new EndpointConditions { Ready = true } }],
    });

    public void DeleteSlice(string name) => Api.Delete(ResourceTypes.EndpointSlices, Ns, name);

    public void PutRoute(string name, string prefix, string service, string? policy = null) => Api.Put(ResourceTypes.KonnectRoutes, new KonnectRoute
    {
        Metadata = new ObjectMeta { Name = name, Namespace = Ns },
        Spec = new KonnectRouteSpec
        {
            Policies = policy is null ? null : [policy],
            Rules = [new RouteRule { Matches = [new RouteMatch { Path = new PathMatch { Value = prefix } }], Backends = [new RouteBackend { Service = service, Port = new IntOrString("http") }] }],
        },
    });

    public void DeleteRoute(string name) => Api.Delete(ResourceTypes.KonnectRoutes, Ns, name);

    /// <summary>A JWT policy whose keys come from <paramref name="jwksUri"/>, which the gateway fetches itself.</summary>
    public void PutJwtPolicy(string name, string jwksUri) => Api.Put(ResourceTypes.KonnectPolicies, new KonnectPolicy
    {
        Metadata = new ObjectMeta { Name = name, Namespace = Ns },
        Spec = new KonnectPolicySpec
        {
            Authentication = new AuthenticationPolicy { Jwt = new JwtAuthentication { Issuer = "https://idp.outage.test", JwksUri = jwksUri } },
        },
    });

    public IReadOnlyList<KonnectRoute> Routes() =>
        [.. new[] { "steady-0", "steady-1", "steady-2", "steady-3", "created", "changed", "doomed", "moving", "secured" }
            .Select(name => Api.Get(ResourceTypes.KonnectRoutes, Ns, name)).OfType<KonnectRoute>()];

    public KonnectPolicy? Policy(string name) => Api.Get(ResourceTypes.KonnectPolicies, Ns, name);

    /// <summary>
    /// What is wrong with the statuses on the server, or null when every route is Accepted and every condition of every
    /// route and of <paramref name="policy"/> speaks of the object's current generation, with the policy's
    /// ResolvedRefs <paramref name="policyResolved"/>.
    /// </summary>
    public string? StatusProblem(string policy, string policyResolved)
    {
        var problems = new List<string>();
        foreach (var route in Routes())
        {
            var generation = route.Metadata.Generation;
            var conditions = route.Status?.Conditions ?? [];
            if (conditions.FirstOrDefault(c => c.Type == ConditionTypes.Accepted) is not { Status: "True" })
            {
                problems.Add($"route {route.Metadata.Name}: not Accepted");
            }
            if (conditions.Count == 0 || conditions.Any(c => c.ObservedGeneration != generation))
            {
                problems.Add($"route {route.Metadata.Name}: observedGeneration {string.Join(",", conditions.Select(c => c.ObservedGeneration))} for generation {generation}");
            }
        }
        var written = Policy(policy);
        var resolved = written?.Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionTypes.ResolvedRefs);
        if (resolved?.Status != policyResolved || resolved.ObservedGeneration != written!.Metadata.Generation)
        {
            problems.Add($"policy {policy}: ResolvedRefs {resolved?.Status ?? "missing"} ({resolved?.Reason}), wanted {policyResolved}");
        }
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }
}
