using Konnect.Controller.Sources;
using Konnect.Model;

namespace Konnect.Controller.Tests.Translation.GatewayApi;

/// <summary>The Gateway API through the translator: what the scenario tests cannot see from outside.</summary>
public sealed class GatewayApiTranslationTests : IDisposable
{
    private static readonly string Case = Path.Combine(TestData.Directory, "gateway-api.in.yaml");
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-gwapi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The golden case's objects and <paramref name="yaml"/>, translated.</summary>
    private TranslationResult Translate(string yaml)
    {
        File.Copy(Case, Path.Combine(_dir, "base.yaml"), overwrite: true);
        File.WriteAllText(Path.Combine(_dir, "case.yaml"), yaml);
        return Translator.Translate(ManifestSource.LoadPaths([_dir]));
    }

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
        var result = Translate("""
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

        var parent = Assert.Single(Assert.Single(result.Statuses, s => s.Object.Name == "bad-regex").Parents!);
        var accepted = Assert.Single(parent.Conditions, c => c.Type == ConditionTypes.Accepted);
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Contains("spec.rules[0].matches[0]", accepted.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Model.Routes, r => r.Route == "httproute:bad-regex");
        // "0s" is the Gateway API's "no timeout": the route is served, with none.
        var noTimeout = Assert.Single(result.Model.Routes, r => r.Route == "httproute:no-timeout");
        Assert.Equal((null, null), (noTimeout.Deadline, noTimeout.Timeout));
    }

    [Theory]
    [InlineData("{ request: 10s, backendRequest: 2s }", 2_000, null)]
    [InlineData("{ request: 0s, backendRequest: 2s }", 2_000, null)]
    [InlineData("{ request: 1s }", 1_000, null)]
    // Past the gateway's 100 s bound on silence, which must not cut it first.
    [InlineData("{ request: 5m }", 300_000, 300_000)]
    [InlineData("{ request: 0s }", null, null)]
    public void Timeouts_TheShorterBoundsTheExchange(string timeouts, int? deadlineMs, int? silenceMs)
    {
        var route = Assert.Single(Translate(Route("timed", $"[{{ timeouts: {timeouts}, backendRefs: [{{ name: infra-backend-v1, port: 8080 }}] }}]")).Model.Routes,
            r => r.Route == "httproute:timed");

        Assert.Equal(deadlineMs, (int?)route.Deadline?.TotalMilliseconds);
        Assert.Equal(silenceMs, (int?)route.Timeout?.TotalMilliseconds);
    }

    [Theory]
    [InlineData("percent: 30, ", 30)]
    [InlineData("fraction: { numerator: 1, denominator: 3 }, ", 33)]
    [InlineData("fraction: { numerator: 5 }, ", 5)]
    [InlineData("", 100)]
    public void RequestMirror_PercentOrFraction(string share, int percent)
    {
        var rule = $"[{{ filters: [{{ type: RequestMirror, requestMirror: {{ {share}backendRef: {{ name: infra-backend-v1, port: 8080 }} }} }}], backendRefs: [{{ name: infra-backend-v1, port: 8080 }}] }}]";
        var route = Assert.Single(Translate(Route("mirrored", rule)).Model.Routes, r => r.Route == "httproute:mirrored");

        Assert.Equal(percent, Assert.Single(route.Mirrors!).Percent);
    }

    [Fact]
    public void RequestMirror_NineMirrors_RefusedOnTheFilter()
    {
        var filters = string.Join(", ", Enumerable.Repeat("{ type: RequestMirror, requestMirror: { backendRef: { name: infra-backend-v2, port: 8080 } } }", 9));
        var result = Translate(Route("mirrored", $"[{{ filters: [{filters}], backendRefs: [{{ name: infra-backend-v1, port: 8080 }}] }}]"));

        var parent = Assert.Single(Assert.Single(result.Statuses, s => s.Object.Name == "mirrored").Parents!);
        var accepted = Assert.Single(parent.Conditions, c => c.Type == ConditionTypes.Accepted);
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Contains("spec.rules[0].filters[8]: Konnect sends at most 8 mirrors per rule", accepted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RuleNamesRepeated_RefusedAsTheApiServerWould()
    {
        var result = Translate(Route("named", "[{ name: one, backendRefs: [{ name: infra-backend-v1, port: 8080 }] }, { name: one, backendRefs: [{ name: infra-backend-v1, port: 8080 }] }]"));

        var parent = Assert.Single(Assert.Single(result.Statuses, s => s.Object.Name == "named").Parents!);
        var accepted = Assert.Single(parent.Conditions, c => c.Type == ConditionTypes.Accepted);
        Assert.Equal(("False", "UnsupportedValue"), (accepted.Status, accepted.Reason));
        Assert.Contains("spec.rules[1].name: \"one\" is also spec.rules[0]'s; rule names must be unique", accepted.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Model.Routes, r => r.Route == "httproute:named");
    }

    private static string Route(string name, string rules) => $$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: {{name}}, namespace: infra }
        spec:
          parentRefs: [{ name: same-namespace }]
          hostnames: [{{name}}.example.com]
          rules: {{rules}}
        """;

    [Fact]
    public void UnsupportedProtocol_ListenerSupportsNoKinds_GatewayAcceptedOnlyWithAnAcceptedListener()
    {
        var result = Translate("""
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
        ObjectStatus Gateway(string name) => Assert.Single(result.Statuses, s => s.Object.Kind == "Gateway" && s.Object.Name == name);

        var only = Gateway("only-unsupported");
        Assert.Equal(("False", "ListenersNotValid"), Accepted(only));
        Assert.Empty(Assert.Single(only.Listeners!).SupportedKinds);

        var one = Gateway("one-supported");
        Assert.Equal(("True", "ListenersNotValid"), Accepted(one));
        Assert.Equal(["HTTPRoute", "GRPCRoute"], one.Listeners!.Single(l => l.Name == "http").SupportedKinds.Select(k => k.Kind));
        Assert.Empty(one.Listeners!.Single(l => l.Name == "invalid").SupportedKinds);

        static (string, string) Accepted(ObjectStatus status) =>
            Assert.Single(status.Conditions, c => c.Type == ConditionTypes.Accepted) is var c ? (c.Status, c.Reason) : default;
    }

    [Fact]
    public void ListenerIsolation_HostsOfMoreSpecificListenersAreTheirs_ARouteLeftWithNoneIsAttachedButNotServed()
    {
        var result = Translate("""
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
}
