using Konnect.Controller.Sources;
using Konnect.Model;

namespace Konnect.Controller.Tests.Translation.GatewayApi;

/// <summary>The Gateway API through the translator: what the scenario tests cannot see from outside.</summary>
public sealed class GatewayApiTranslationTests
{
    private static readonly string Case = Path.Combine(TestData.Directory, "gateway-api.in.yaml");

    [Fact]
    public void SameNameAcrossKinds_EachRouteKeepsItsRulesAndInlinePolicy()
    {
        var result = Translator.Translate(ManifestSource.LoadPaths([Case]));

        // KonnectRoute infra/simple and HTTPRoute infra/simple; HTTPRoute and GRPCRoute web/cross-namespace.
        Assert.Equal(result.Model.Routes.Count, result.Model.Routes.Select(r => r.Id).Distinct().Count());
        Assert.Contains(result.Model.Routes, r => r.Id == "infra/simple/0" && r.Hosts.SequenceEqual(["konnect.example.com"]));
        Assert.Contains(result.Model.Routes, r => r.Id == "infra/httproute:simple/0" && r.Hosts.Count == 0);
        var http = Assert.Single(result.Model.Routes, r => r.Id == "web/httproute:cross-namespace/0");
        var grpc = Assert.Single(result.Model.Routes, r => r.Id == "web/grpcroute:cross-namespace/0");
        Assert.Equal("web/httproute:cross-namespace:0", http.Policies?.RequestTransform?.Policy);
        Assert.Equal("web/grpcroute:cross-namespace:0", grpc.Policies?.RequestTransform?.Policy);
        Assert.Equal(["x-added"], http.Policies!.RequestTransform!.SetHeaders.Select(h => h.Name));
        Assert.Equal(["x-grpc"], grpc.Policies!.RequestTransform!.SetHeaders.Select(h => h.Name));
    }

    [Fact]
    public void RouteRefusedByTheRouteChecks_ItsParentsSayNotAccepted()
    {
        var dir = Directory.CreateTempSubdirectory("konnect-gwapi-").FullName;
        try
        {
            File.Copy(Case, Path.Combine(dir, "base.yaml"));
            File.WriteAllText(Path.Combine(dir, "bad.yaml"), """
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: { name: bad-regex, namespace: infra }
                spec:
                  parentRefs: [{ name: same-namespace }]
                  hostnames: [bad.example.com]
                  rules: [{ matches: [{ path: { type: RegularExpression, value: "/(" } }], backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: { name: no-timeout, namespace: infra }
                spec:
                  parentRefs: [{ name: same-namespace }]
                  hostnames: [zero.example.com]
                  rules: [{ timeouts: { request: 0s }, backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]
                """);
            var result = Translator.Translate(ManifestSource.LoadPaths([dir]));

            var parent = Assert.Single(Assert.Single(result.Statuses, s => s.Object.Name == "bad-regex").Parents!);
            var accepted = Assert.Single(parent.Conditions, c => c.Type == ConditionTypes.Accepted);
            Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
            Assert.Contains("spec.rules[0].matches[0]", accepted.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(result.Model.Routes, r => r.Route == "httproute:bad-regex");
            // "0s" is the Gateway API's "no timeout": the route is served, with none.
            Assert.Null(Assert.Single(result.Model.Routes, r => r.Route == "httproute:no-timeout").Timeout);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void UnsupportedProtocol_ListenerSupportsNoKinds_GatewayAcceptedOnlyWithAnAcceptedListener()
    {
        var dir = Directory.CreateTempSubdirectory("konnect-gwapi-").FullName;
        try
        {
            File.Copy(Case, Path.Combine(dir, "base.yaml"));
            File.WriteAllText(Path.Combine(dir, "protocols.yaml"), """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: { name: only-unsupported, namespace: infra }
                spec:
                  gatewayClassName: konnect
                  listeners: [{ name: invalid, port: 1111, protocol: INVALID }]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: { name: one-supported, namespace: infra }
                spec:
                  gatewayClassName: konnect
                  listeners: [{ name: http, port: 80, protocol: HTTP, hostname: one.example.com }, { name: invalid, port: 1111, protocol: INVALID }]
                """);
            var result = Translator.Translate(ManifestSource.LoadPaths([dir]));
            ObjectStatus Gateway(string name) => Assert.Single(result.Statuses, s => s.Object.Kind == "Gateway" && s.Object.Name == name);

            var only = Gateway("only-unsupported");
            Assert.Equal(("False", "ListenersNotValid"), Accepted(only));
            Assert.Empty(Assert.Single(only.Listeners!).SupportedKinds);

            var one = Gateway("one-supported");
            Assert.Equal(("True", "ListenersNotValid"), Accepted(one));
            Assert.Equal(["HTTPRoute", "GRPCRoute"], one.Listeners!.Single(l => l.Name == "http").SupportedKinds.Select(k => k.Kind));
            Assert.Empty(one.Listeners!.Single(l => l.Name == "invalid").SupportedKinds);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        static (string, string) Accepted(ObjectStatus status) =>
            Assert.Single(status.Conditions, c => c.Type == ConditionTypes.Accepted) is var c ? (c.Status, c.Reason) : default;
    }

    [Fact]
    public void ListenerIsolation_HostsOfMoreSpecificListenersAreTheirs_ARouteLeftWithNoneIsAttachedButNotServed()
    {
        var dir = Directory.CreateTempSubdirectory("konnect-gwapi-").FullName;
        try
        {
            File.Copy(Case, Path.Combine(dir, "base.yaml"));
            File.WriteAllText(Path.Combine(dir, "isolation.yaml"), """
                apiVersion: gateway.networking.k8s.io/v1
                kind: Gateway
                metadata: { name: isolated, namespace: infra }
                spec:
                  gatewayClassName: konnect
                  listeners:
                    - { name: any, port: 80, protocol: HTTP }
                    - { name: wildcard, port: 80, protocol: HTTP, hostname: "*.iso.example" }
                    - { name: exact, port: 80, protocol: HTTP, hostname: abc.iso.example }
                    - { name: other-port, port: 8080, protocol: HTTP, hostname: other.example }
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: { name: through-any, namespace: infra }
                spec:
                  parentRefs: [{ name: isolated, sectionName: any }]
                  hostnames: [bar.example, "*.iso.example", abc.iso.example, other.example]
                  rules: [{ backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: { name: through-wildcard, namespace: infra }
                spec:
                  parentRefs: [{ name: isolated, sectionName: wildcard }]
                  hostnames: ["*.iso.example", abc.iso.example]
                  rules: [{ backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: { name: all-taken, namespace: infra }
                spec:
                  parentRefs: [{ name: isolated, sectionName: wildcard }]
                  hostnames: [abc.iso.example]
                  rules: [{ backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]
                """);
            var result = Translator.Translate(ManifestSource.LoadPaths([dir]));

            // A listener on another port claims nothing here; the wildcard and exact listeners take their hosts.
            Assert.Equal(["bar.example", "other.example"], Assert.Single(result.Model.Routes, r => r.Route == "httproute:through-any").Hosts);
            Assert.Equal(["*.iso.example"], Assert.Single(result.Model.Routes, r => r.Route == "httproute:through-wildcard").Hosts);
            // Every host of all-taken is the exact listener's: attached and accepted, and not served (no route would mean any host).
            Assert.DoesNotContain(result.Model.Routes, r => r.Route == "httproute:all-taken");
            var parent = Assert.Single(Assert.Single(result.Statuses, s => s.Object.Name == "all-taken").Parents!);
            Assert.Equal("True", Assert.Single(parent.Conditions, c => c.Type == ConditionTypes.Accepted).Status);
            var gateway = Assert.Single(result.Statuses, s => s.Object.Kind == "Gateway" && s.Object.Name == "isolated");
            Assert.Equal(2, gateway.Listeners!.Single(l => l.Name == "wildcard").AttachedRoutes);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
