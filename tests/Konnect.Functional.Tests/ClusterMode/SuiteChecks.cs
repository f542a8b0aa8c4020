using System.Text;
using System.Text.Json.Nodes;
using Konnect.Testing;
using Konnect.Testing.Tls;
using static Konnect.Functional.Tests.ClusterMode.GatewayApiCluster;

namespace Konnect.Functional.Tests.ClusterMode;

/// <summary>
/// The conformance suite's status checks (conformance/utils/kubernetes), as it makes them, over the objects in one
/// namespace of the fake API server: each polls until what it expects holds, and a Gateway's or class's own conditions
/// must all be at its generation first.
/// </summary>
internal sealed class SuiteChecks(GatewayApiCluster cluster, string ns)
{
    public const string Infra = "gateway-conformance-infra";
    public const string WebBackend = "gateway-conformance-web-backend";

    /// <summary>
    /// A cluster with the suite's base (the conformance namespaces, Konnect's GatewayClass, infra-backend-v1 and the two
    /// Secrets the suite makes at start) and Konnect running against it; the checks over gateway-conformance-infra.
    /// </summary>
    public static async Task<(GatewayApiCluster, SuiteChecks)> StartAsync()
    {
        var cluster = await GatewayApiCluster.StartAsync();
        try
        {
            var backend = await cluster.StartBackendAsync("infra-backend-v1");
            // The suite makes these two Secrets at start: self-signed, for "*" (and more names for the second).
            var certificate = TestCertificate.SelfSigned("*");
            var validity = TestCertificate.SelfSigned("*", "*.org", "*.wildcard.org");
            // The namespaces carry kubernetes.io/metadata.name, as the API server labels every namespace (Kubernetes 1.22+).
            cluster.Apply($$"""
                apiVersion: v1
                kind: Namespace
                metadata: { name: {{Infra}}, labels: { gateway-conformance: infra, kubernetes.io/metadata.name: {{Infra}} } }
                ---
                apiVersion: v1
                kind: Namespace
                metadata: { name: gateway-conformance-app-backend, labels: { gateway-conformance: backend, kubernetes.io/metadata.name: gateway-conformance-app-backend } }
                ---
                apiVersion: v1
                kind: Namespace
                metadata: { name: {{WebBackend}}, labels: { gateway-conformance: backend, kubernetes.io/metadata.name: {{WebBackend}} } }
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: GatewayClass
                metadata: { name: konnect }
                spec: { controllerName: {{ControllerName}} }
                ---
                apiVersion: v1
                kind: Service
                metadata: { name: infra-backend-v1, namespace: {{Infra}} }
                spec: { ports: [{ name: http, port: 8080 }] }
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: { name: infra-backend-v1-1, namespace: {{Infra}}, labels: { kubernetes.io/service-name: infra-backend-v1 } }
                addressType: IPv4
                ports: [{ name: http, port: {{backend}} }]
                endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
                ---
                {{TlsSecret(WebBackend, "certificate", certificate)}}
                ---
                {{TlsSecret(Infra, "tls-validity-checks-certificate", validity)}}
                """);
            await cluster.StartKonnectAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return (cluster, new SuiteChecks(cluster, Infra));
    }

    /// <summary>A listener as the suite expects it: kinds among supportedKinds (none when none), attachedRoutes, and conditions (a null reason is any).</summary>
    public sealed record ExpectedListener(string Name, string[] Kinds, int AttachedRoutes, params (string Type, string Status, string? Reason)[] Conditions);

    /// <summary>The suite's GatewayMustHaveCondition: until the Gateway's conditions are all at its generation and that one is as expected.</summary>
    public Task GatewayMustHaveConditionAsync(string gateway, string type, string status, string reason) => Repo.EventuallyAsync(() => Task.FromResult(
        cluster.Get("Gateway", ns, gateway) is { } gw && gw["status"]?["conditions"] is JsonArray && LatestGenerationDiffers(gw) is null
        && Condition(gw["status"]!, type) is { } c && (Str(c["status"]), Str(c["reason"])) == (status, reason)), $"Gateway {gateway} {type} {status} {reason}");

    /// <summary>
    /// The suite's GatewayStatusMustHaveListeners: until the Gateway's conditions are all at its generation and its
    /// listeners are exactly those expected, by name.
    /// </summary>
    public async Task GatewayStatusMustHaveListenersAsync(string gateway, params ExpectedListener[] expected)
    {
        string? why = null;
        try
        {
            await Repo.EventuallyAsync(() => Task.FromResult((why = ListenersDiffer(gateway, expected)) is null), $"Gateway {gateway}'s listeners as expected");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}: {why}; status {cluster.Get("Gateway", ns, gateway)?["status"]?.ToJsonString()}", e);
        }
    }

    /// <summary>Why the Gateway's status is not yet what the suite expects, or null when it is.</summary>
    private string? ListenersDiffer(string gateway, ExpectedListener[] expected)
    {
        if (cluster.Get("Gateway", ns, gateway) is not { } gw || gw["status"]?["conditions"] is not JsonArray) { return "no status"; }
        if (LatestGenerationDiffers(gw) is { } stale) { return stale; }
        var actual = gw["status"]!["listeners"]?.AsArray().OfType<JsonNode>().ToList() ?? [];
        if (actual.Count != expected.Length) { return $"{actual.Count} listeners"; }
        foreach (var listener in expected)
        {
            if (actual.FirstOrDefault(l => Str(l["name"]) == listener.Name) is not { } a) { return $"no listener {listener.Name}"; }
            var kinds = a["supportedKinds"]?.AsArray().OfType<JsonNode>().Select(k => (k["group"] is null ? "gateway.networking.k8s.io" : Str(k["group"]), Str(k["kind"]))).ToList() ?? [];
            if (listener.Kinds.Length == 0 && kinds.Count > 0) { return $"{listener.Name}: supportedKinds not empty"; }
            if (listener.Kinds.FirstOrDefault(k => !kinds.Contains(("gateway.networking.k8s.io", k))) is { } missing) { return $"{listener.Name}: {missing} not supported"; }
            if (a["attachedRoutes"]?.GetValue<int>() != listener.AttachedRoutes) { return $"{listener.Name}: attachedRoutes {a["attachedRoutes"]}"; }
            foreach (var (type, status, reason) in listener.Conditions)
            {
                if (Condition(a, type) is not { } c || Str(c["status"]) != status || (reason is not null && Str(c["reason"]) != reason))
                {
                    return $"{listener.Name}: {type} is not {status} {reason}";
                }
            }
        }
        return null;
    }

    /// <summary>The suite's NamespacesMustBeReady (Gateways part): every Gateway there not marked to skip is Accepted and Programmed, at its generation.</summary>
    public Task NamespacesMustBeReadyAsync() => Repo.EventuallyAsync(async () =>
    {
        var list = JsonNode.Parse(await cluster.Http.GetStringAsync(new Uri(cluster.Api.Url, $"/apis/gateway.networking.k8s.io/v1/namespaces/{ns}/gateways")))!;
        return list["items"]!.AsArray().OfType<JsonNode>()
            .Where(g => Str(g["metadata"]!["annotations"]?["gateway-api/skip-this-for-readiness"]) != "true")
            .All(g => g["status"]?["conditions"] is JsonArray && LatestGenerationDiffers(g) is null
                && Condition(g["status"]!, "Accepted") is { } accepted && Str(accepted["status"]) == "True"
                && Condition(g["status"]!, "Programmed") is { } programmed && Str(programmed["status"]) == "True");
    }, $"the Gateways in {ns} Accepted and Programmed");

    /// <summary>The suite's GWCMustHaveAcceptedConditionAny: Accepted set, every condition at the class's generation.</summary>
    public Task GwcMustHaveAcceptedConditionAnyAsync(string name) => Repo.EventuallyAsync(() => Task.FromResult(
        cluster.Get("GatewayClass", null, name) is { } gatewayClass && gatewayClass["status"]?["conditions"] is JsonArray
        && LatestGenerationDiffers(gatewayClass) is null && Condition(gatewayClass["status"]!, "Accepted") is not null), $"GatewayClass {name} Accepted");

    /// <summary>The suite's ConditionsHaveLatestObservedGeneration over the object's own conditions.</summary>
    public static string? LatestGenerationDiffers(JsonNode obj)
    {
        var generation = Long(obj["metadata"]!["generation"]);
        var stale = Conditions(obj["status"]!).Where(c => c["observedGeneration"] is not { } observed || Long(observed) != generation).Select(c => Str(c["type"])).ToList();
        return stale.Count == 0 ? null : $"conditions not at generation {generation}: {string.Join(", ", stale)}";
    }

    /// <summary>
    /// The suite's HTTPRouteMustHaveCondition: until every parent's conditions are at the route's generation and the
    /// parent naming the Gateway has the condition (a null reason is any).
    /// </summary>
    public Task HttpRouteMustHaveConditionAsync(string route, string gateway, string type, string status, string? reason) => Repo.EventuallyAsync(() =>
    {
        if (cluster.Get("HTTPRoute", ns, route) is not { } r || r["status"]?["parents"] is not JsonArray parents) { return Task.FromResult(false); }
        var generation = Long(r["metadata"]!["generation"]);
        var fresh = parents.All(p => Conditions(p!).All(c => c["observedGeneration"] is { } observed && Long(observed) == generation));
        var found = parents.Any(p => Str(p!["parentRef"]!["name"]) == gateway && (p["parentRef"]!["namespace"] is null || Str(p["parentRef"]!["namespace"]) == ns)
            && Condition(p, type) is { } c && Str(c["status"]) == status && (reason is null || Str(c["reason"]) == reason));
        return Task.FromResult(fresh && found);
    }, $"HTTPRoute {route}: parent {gateway} {type} {status} {reason}");

    private static string TlsSecret(string ns, string name, TestCertificate certificate) => $$"""
        apiVersion: v1
        kind: Secret
        metadata: { name: {{name}}, namespace: {{ns}} }
        type: kubernetes.io/tls
        data: { tls.crt: {{B64(certificate.CertificatePem)}}, tls.key: {{B64(certificate.KeyPem)}} }
        """;

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
}
