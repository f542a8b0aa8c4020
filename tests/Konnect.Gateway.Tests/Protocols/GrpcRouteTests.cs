using Konnect.Controller;
using Konnect.Controller.Sources;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Model;

namespace Konnect.Gateway.Tests.Protocols;

/// <summary>
/// Gateway API GRPCRoutes from YAML through the translator to a real gateway, between real Python gRPC clients and two
/// real gRPC servers (v1 and v2 answer "v1:..." and "v2:..."). Named after the conformance scenarios they replay.
/// </summary>
public sealed class GrpcRouteTests : IAsyncLifetime
{
    private GrpcPeer _v1 = null!;
    private GrpcPeer _v2 = null!;
    private TestGateway _gateway = null!;
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-grpcroute-").FullName;

    public async Task InitializeAsync()
    {
        _v1 = await GrpcPeer.StartAsync("v1");
        _v2 = await GrpcPeer.StartAsync("v2");
        _gateway = await TestGateway.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _v1.DisposeAsync();
        await _v2.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string Target => _gateway.Traffic.BaseAddress!.Authority;

    private async Task<TranslationResult> ServeAsync(string rules, string hostnames = "[]")
    {
        var (v1, v2) = (new Uri(_v1.Url).Port, new Uri(_v2.Url).Port);
        var path = Path.Combine(_dir, "grpc.yaml");
        await File.WriteAllTextAsync(path, $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: { name: konnect }
            spec: { controllerName: konnect.dev/gateway-controller }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: same-namespace, namespace: infra }
            spec:
              gatewayClassName: konnect
              listeners: [{ name: http, port: 80, protocol: HTTP }]
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: grpc-v1, namespace: infra }
            spec: { ports: [{ port: 8080 }] }
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: grpc-v1, namespace: infra, labels: { kubernetes.io/service-name: grpc-v1 } }
            addressType: IPv4
            ports: [{ port: {{v1}} }]
            endpoints: [{ addresses: [127.0.0.1] }]
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: grpc-v2, namespace: infra }
            spec: { ports: [{ port: 8080 }] }
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: grpc-v2, namespace: infra, labels: { kubernetes.io/service-name: grpc-v2 } }
            addressType: IPv4
            ports: [{ port: {{v2}} }]
            endpoints: [{ addresses: [127.0.0.1] }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: { name: grpc, namespace: infra }
            spec:
              parentRefs: [{ name: same-namespace }]
              hostnames: {{hostnames}}
              rules:
            {{string.Join("\n", rules.Split('\n').Select(l => "    " + l))}}
            """);
        var snapshot = ManifestSource.LoadPaths([path]);
        Assert.DoesNotContain(snapshot.Problems, p => !p.IsWarning);
        var result = Translator.Translate(snapshot);
        Assert.True((await _gateway.Publisher.PublishAsync(result.Model, CancellationToken.None)).Applied);
        return result;
    }

    [Fact]
    public async Task GRPCRouteExactMethodMatching()
    {
        var result = await ServeAsync("""
            - matches: [{ method: { service: konnect.test.Echo, method: Unary } }]
              backendRefs: [{ name: grpc-v1, port: 8080 }]
            - matches: [{ method: { service: konnect.test.Echo, method: Chat } }]
              backendRefs: [{ name: grpc-v2, port: 8080 }]
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
              backendRefs: [{ name: grpc-v1, port: 8080 }]
            - matches: [{ headers: [{ name: version, value: two }] }]
              backendRefs: [{ name: grpc-v2, port: 8080 }]
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
              backendRefs: [{ name: grpc-v1, port: 8080 }]
            - matches: [{ method: { method: Chat } }]
              backendRefs: [{ name: grpc-v2, port: 8080 }]
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
            - backendRefs: [{ name: grpc-v1, port: 8080, weight: 1 }, { name: grpc-v2, port: 8080, weight: 1 }]
            """);

        var seen = new HashSet<string>();
        for (var i = 0; i < 40 && seen.Count < 2; i++) { seen.Add((await GrpcPeer.CallAsync("unary", Target, "w"))[3..5]); }
        Assert.Equal(["v1", "v2"], seen.Order());
    }
}
