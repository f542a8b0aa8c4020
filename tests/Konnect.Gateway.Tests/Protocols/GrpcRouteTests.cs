using Konnect.Controller;
using Konnect.Controller.Sources;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Model;

namespace Konnect.Gateway.Tests.Protocols;

/// <summary>
/// Gateway API GRPCRoutes from YAML through the translator to a real gateway, between real Python gRPC clients and three
/// real gRPC servers (v1, v2 and v3 answer "v1:...", "v2:..." and "v3:..."), behind the conformance suite's Services
/// grpc-infra-backend-v1..v3. Named after the conformance scenarios they replay.
/// </summary>
public sealed class GrpcRouteTests : IAsyncLifetime
{
    private const string Infra = "gateway-conformance-infra";
    private GrpcPeer[] _peers = [];
    private TestGateway _gateway = null!;
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-grpcroute-").FullName;

    public async Task InitializeAsync()
    {
        _peers = await Task.WhenAll(Enumerable.Range(1, 3).Select(i => GrpcPeer.StartAsync($"v{i}")));
        _gateway = await TestGateway.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        foreach (var peer in _peers) { await peer.DisposeAsync(); }
        Directory.Delete(_dir, recursive: true);
    }

    private string Target => _gateway.Traffic.BaseAddress!.Authority;

    /// <summary>Serves GRPCRoute "grpc" on Gateway same-namespace with the given rules and hostnames.</summary>
    private Task<TranslationResult> ServeAsync(string rules, string hostnames = "[]") => ServeManifestsAsync($$"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: { name: grpc, namespace: {{Infra}} }
        spec:
          parentRefs: [{ name: same-namespace }]
          hostnames: {{hostnames}}
          rules:
        {{string.Join("\n", rules.Split('\n').Select(l => "    " + l))}}
        """);

    /// <summary>Serves a scenario's manifests beside the GatewayClass, Gateway same-namespace and the three Services.</summary>
    private async Task<TranslationResult> ServeManifestsAsync(string scenario)
    {
        var services = string.Concat(_peers.Select((peer, i) => $$"""
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: grpc-infra-backend-v{{i + 1}}, namespace: {{Infra}} }
            spec: { ports: [{ port: 8080 }] }
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: grpc-infra-backend-v{{i + 1}}, namespace: {{Infra}}, labels: { kubernetes.io/service-name: grpc-infra-backend-v{{i + 1}} } }
            addressType: IPv4
            ports: [{ port: {{new Uri(peer.Url).Port}} }]
            endpoints: [{ addresses: [127.0.0.1] }]

            """));
        var path = Path.Combine(_dir, "grpc.yaml");
        await File.WriteAllTextAsync(path, $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: { name: konnect }
            spec: { controllerName: konnect.dev/gateway-controller }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: same-namespace, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners: [{ name: http, port: 80, protocol: HTTP }]
            {{services}}---
            {{scenario}}
            """);
        var snapshot = ManifestSource.LoadPaths([path]);
        Assert.DoesNotContain(snapshot.Problems, p => !p.IsWarning);
        var result = Translator.Translate(snapshot);
        Assert.True((await _gateway.Publisher.PublishAsync(result.Model, CancellationToken.None)).Applied);
        return result;
    }

    /// <summary>Every parent of the GRPCRoute Accepted and ResolvedRefs, as the suite's GatewayAndRoutesMustBeAccepted.</summary>
    private static void AssertAccepted(TranslationResult result, string route)
    {
        var status = Assert.Single(result.Statuses, s => s.Object.Kind == "GRPCRoute" && s.Object.Name == route);
        Assert.NotEmpty(status.Parents!);
        Assert.All(status.Parents!, p => Assert.All(p.Conditions, c => Assert.True(c.Status == "True", $"{route}: {c.Type} {c.Reason} {c.Message}")));
    }

    [Fact]
    public async Task GRPCRouteExactMethodMatching()
    {
        var result = await ServeAsync("""
            - matches: [{ method: { service: konnect.test.Echo, method: Unary } }]
              backendRefs: [{ name: grpc-infra-backend-v1, port: 8080 }]
            - matches: [{ method: { service: konnect.test.Echo, method: Chat } }]
              backendRefs: [{ name: grpc-infra-backend-v2, port: 8080 }]
            """);

        var parent = Assert.Single(Assert.Single(result.Statuses, s => s.Object.Kind == "GRPCRoute").Parents!);
        Assert.All(parent.Conditions, c => Assert.Equal("True", c.Status));
        Assert.Equal("OK v1:hello trailer=kept", await GrpcPeer.CallAsync("unary", Target, "hello"));
        await using (var chat = GrpcPeer.OpenChat(Target)) { Assert.Equal("OK v2:hi", await chat.SendAsync("hi")); }
        // Count matches no rule: the gateway answers with a gRPC status, not an HTTP page.
        Assert.StartsWith("STATUS UNIMPLEMENTED", await GrpcPeer.CallAsync("count", Target, "3"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GRPCRouteHeaderMatching()
    {
        await ServeAsync("""
            - matches: [{ headers: [{ name: version, value: one }] }]
              backendRefs: [{ name: grpc-infra-backend-v1, port: 8080 }]
            - matches: [{ headers: [{ name: version, value: two }] }]
              backendRefs: [{ name: grpc-infra-backend-v2, port: 8080 }]
            """);

        Assert.Equal("OK v1:a trailer=kept", await GrpcPeer.CallAsync("unary", Target, "a", "version=one"));
        Assert.Equal("OK v2:b trailer=kept", await GrpcPeer.CallAsync("unary", Target, "b", "version=two"));
        Assert.StartsWith("STATUS UNIMPLEMENTED", await GrpcPeer.CallAsync("unary", Target, "c", "version=three"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GRPCRouteServiceAndMethodOnly_PrefixAndRegularExpression()
    {
        await ServeAsync("""
            - matches: [{ method: { service: konnect.test.Echo } }]
              backendRefs: [{ name: grpc-infra-backend-v1, port: 8080 }]
            - matches: [{ method: { method: Chat } }]
              backendRefs: [{ name: grpc-infra-backend-v2, port: 8080 }]
            """);

        Assert.Equal("OK v1:x trailer=kept", await GrpcPeer.CallAsync("unary", Target, "x"));
        // /konnect.test.Echo/Chat matches both: the service (17 characters) outranks the method alone (4), as GRPCRoute's
        // precedence has it; here a PathPrefix ranks before a RegularExpression.
        await using var chat = GrpcPeer.OpenChat(Target);
        Assert.Equal("OK v1:y", await chat.SendAsync("y"));
    }

    [Fact]
    public async Task GRPCRouteWeight()
    {
        await ServeAsync("""
            - backendRefs: [{ name: grpc-infra-backend-v1, port: 8080, weight: 1 }, { name: grpc-infra-backend-v2, port: 8080, weight: 1 }]
            """);

        var seen = new HashSet<string>();
        for (var i = 0; i < 40 && seen.Count < 2; i++) { seen.Add((await GrpcPeer.CallAsync("unary", Target, "w"))[3..5]); }
        Assert.Equal(["v1", "v2"], seen.Order());
    }

    [Fact]
    public async Task GRPCRouteListenerHostnameMatching()
    {
        static string Parent(string section) => $"{{ name: grpcroute-listener-hostname-matching, namespace: {Infra}, sectionName: {section} }}";
        static string Route(string name, string parents, string service) => $$"""
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: { name: {{name}}, namespace: {{Infra}} }
            spec:
              parentRefs: [{{parents}}]
              rules: [{ backendRefs: [{ name: {{service}}, port: 8080 }] }]

            """;
        var result = await ServeManifestsAsync($$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: grpcroute-listener-hostname-matching, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners:
                - { name: listener-1, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Same } }, hostname: bar.com }
                - { name: listener-2, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Same } }, hostname: foo.bar.com }
                - { name: listener-3, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Same } }, hostname: "*.bar.com" }
                - { name: listener-4, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Same } }, hostname: "*.foo.com" }

            """
            + Route("backend-v1", Parent("listener-1"), "grpc-infra-backend-v1")
            + Route("backend-v2", Parent("listener-2"), "grpc-infra-backend-v2")
            + Route("backend-v3", $"{Parent("listener-3")}, {Parent("listener-4")}", "grpc-infra-backend-v3"));

        AssertAccepted(result, "backend-v1");
        AssertAccepted(result, "backend-v2");
        AssertAccepted(result, "backend-v3");
        Assert.Equal("OK v1:", await GrpcPeer.EchoAsync(Target, "Echo", "bar.com"));
        Assert.Equal("OK v2:", await GrpcPeer.EchoAsync(Target, "Echo", "foo.bar.com"));
        Assert.Equal("OK v3:", await GrpcPeer.EchoAsync(Target, "Echo", "baz.bar.com"));
        Assert.Equal("OK v3:", await GrpcPeer.EchoAsync(Target, "Echo", "boo.bar.com"));
        Assert.Equal("OK v3:", await GrpcPeer.EchoAsync(Target, "Echo", "multiple.prefixes.bar.com"));
        Assert.Equal("OK v3:", await GrpcPeer.EchoAsync(Target, "Echo", "multiple.prefixes.foo.com"));
        // No listener serves these hosts: the gateway answers as a gRPC server with no such method would.
        Assert.StartsWith("STATUS UNIMPLEMENTED", await GrpcPeer.EchoAsync(Target, "Echo", "foo.com"), StringComparison.Ordinal);
        Assert.StartsWith("STATUS UNIMPLEMENTED", await GrpcPeer.EchoAsync(Target, "Echo", "no.matching.host"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GRPCRouteNamedRule()
    {
        var result = await ServeManifestsAsync($$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: { name: grpc-named-rules, namespace: {{Infra}} }
            spec:
              parentRefs: [{ name: same-namespace }]
              rules:
                - name: named-rule
                  matches: [{ method: { service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho, method: Echo } }]
                  backendRefs: [{ name: grpc-infra-backend-v1, port: 8080 }]
                - matches: [{ method: { service: gateway_api_conformance.echo_basic.grpcecho.GrpcEcho, method: EchoTwo } }]
                  backendRefs: [{ name: grpc-infra-backend-v2, port: 8080 }]
            """);

        AssertAccepted(result, "grpc-named-rules");
        Assert.Equal("OK v1:", await GrpcPeer.EchoAsync(Target, "Echo"));
        Assert.Equal("OK v2:", await GrpcPeer.EchoAsync(Target, "EchoTwo"));
    }
}
