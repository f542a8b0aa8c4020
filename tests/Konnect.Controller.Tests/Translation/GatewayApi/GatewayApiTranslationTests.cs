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
}
