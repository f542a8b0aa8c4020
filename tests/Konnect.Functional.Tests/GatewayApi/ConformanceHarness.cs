using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Commands;
using Konnect.Gateway;
using Konnect.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// The Gateway API conformance suite's setting, written here for Konnect: the namespaces (gateway-conformance-infra,
/// -app-backend, -web-backend, labelled as the suite labels them), the Gateways same-namespace, all-namespaces and
/// backend-namespaces, and their Services, each backed by a real Kestrel echo that answers with its own name and what it
/// received. In-process `konnect run --manifests` on a folder holding these and one scenario's manifests at a time.
/// As in the suite, infra-backend-v1's Service has two more ports: second-port (8081, appProtocol kubernetes.io/h2c) to an
/// HTTP/2-only echo, and third-port (8082, appProtocol kubernetes.io/ws) to the same echo as first-port, which also
/// echoes WebSocket messages.
/// </summary>
public sealed class ConformanceHarness : IAsyncLifetime
{
    public const string Infra = "gateway-conformance-infra";
    public const string AppBackend = "gateway-conformance-app-backend";
    public const string WebBackend = "gateway-conformance-web-backend";

    /// <summary>parentRefs naming the suite's same-namespace Gateway.</summary>
    public const string SameNamespace = "[{ name: same-namespace }]";

    private static readonly (string Namespace, string Name)[] Services =
    [
        (Infra, "infra-backend-v1"), (Infra, "infra-backend-v2"), (Infra, "infra-backend-v3"),
        (AppBackend, "app-backend-v1"), (AppBackend, "app-backend-v2"), (WebBackend, "web-backend"),
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-gateway-api-").FullName;
    private readonly Dictionary<string, WebApplication> _backends = [];
    private WebApplication _h2cBackend = null!;
    private readonly Dictionary<string, int> _requests = [];
    private WebApplication _konnect = null!;

    public HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
    public int Traffic { get; private set; }
    public int Admin { get; private set; }

    public async Task InitializeAsync()
    {
        foreach (var (ns, name) in Services) { _backends[name] = await StartEchoAsync(ns, name, HttpProtocols.Http1); }
        // Prior knowledge only, as the suite's backend on targetPort 3001: an HTTP/1.1 request would fail, not fall back.
        _h2cBackend = await StartEchoAsync(Infra, "infra-backend-v1", HttpProtocols.Http2);
        await File.WriteAllTextAsync(Path.Combine(_dir, "base.yaml"), BaseManifests());
        _konnect = RunCommand.Build(new RunOptions([_dir], ["http://127.0.0.1:0"], ["http://127.0.0.1:0"]) { AccessLog = false });
        await _konnect.StartAsync();
        var listeners = _konnect.Services.GetRequiredService<GatewayListeners>();
        (Traffic, Admin) = (listeners.TrafficEndPoints[0].Port, listeners.AdminEndPoints[0].Port);
        await Repo.EventuallyAsync(async () => (await Http.GetAsync($"http://127.0.0.1:{Admin}/readyz")).IsSuccessStatusCode, "konnect ready");
    }

    public async Task DisposeAsync()
    {
        await _konnect.StopAsync();
        await _konnect.DisposeAsync();
        foreach (var backend in _backends.Values.Append(_h2cBackend)) { await backend.DisposeAsync(); }
        Http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Serves one scenario's manifests (replacing the previous scenario's) and waits until /status names each object given.</summary>
    public async Task ScenarioAsync(string manifests, params string[] expectInStatus)
    {
        await File.WriteAllTextAsync(Path.Combine(_dir, "scenario.yaml"), manifests);
        await Repo.EventuallyAsync(async () =>
        {
            var names = (await StatusAsync()).Select(s => s!["object"]!["name"]!.GetValue<string>()).ToHashSet();
            return expectInStatus.All(names.Contains);
        }, "the scenario's objects in /status");
    }

    /// <summary>
    /// Sends the request until the answer satisfies <paramref name="expected"/> (the model may not be applied yet), then
    /// three more times, each of which must satisfy it too: the conformance suite's "eventually consistent" request.
    /// </summary>
    public async Task<Answer> ExpectAsync(Func<Task<Answer>> send, Func<Answer, bool> expected, string what)
    {
        Answer? last = null;
        try
        {
            await Repo.EventuallyAsync(async () => expected(last = await send()), what, seconds: 15);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new Xunit.Sdk.XunitException($"{what}: the last answer was {last}", e);
        }
        for (var i = 0; i < 3; i++)
        {
            last = await send();
            Assert.True(expected(last), $"{what}: {last}");
        }
        return last!;
    }

    /// <summary>One HTTPRoute, its rules given as YAML lines (indented here).</summary>
    public static string HttpRoute(string name, string ns, string parents, string rules, string? hostnames = null) => $$"""
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: {{name}}, namespace: {{ns}} }
        spec:
          parentRefs: {{parents}}
        {{(hostnames is null ? "" : "  hostnames: " + hostnames + "\n")}}  rules:
        {{string.Join("\n", rules.Split('\n').Select(l => "    " + l))}}

        """;

    /// <summary>A GET with <paramref name="host"/> and headers is (eventually, then steadily) answered 200 by <paramref name="backend"/>.</summary>
    public Task<Answer> ExpectBackendAsync(string path, string backend, string host = "example.com", params (string, string)[] headers) =>
        ExpectAsync(() => SendAsync(path, host, "GET", headers), a => a.Status == 200 && a.Backend == backend, $"{host}{path} to {backend}");

    /// <summary>A GET with <paramref name="host"/> and headers is (eventually, then steadily) answered <paramref name="status"/>.</summary>
    public Task<Answer> ExpectStatusAsync(string path, int status, string host = "example.com", params (string, string)[] headers) =>
        ExpectAsync(() => SendAsync(path, host, "GET", headers), a => a.Status == status, $"{host}{path} answered {status}");

    /// <summary>How many requests the named backend has answered so far.</summary>
    public int Requests(string backend)
    {
        lock (_requests) { return _requests.GetValueOrDefault(backend); }
    }

    /// <summary>The port the named backend's HTTP/1.1 echo listens on (the suite's targetPort 3000), for a scenario's own EndpointSlices.</summary>
    public int EchoPort(string backend) => _backends[backend].Port();

    public async Task<JsonArray> StatusAsync() =>
        JsonNode.Parse(await Http.GetStringAsync($"http://127.0.0.1:{Admin}/status"))!.AsArray();

    /// <summary>An object's status as /status has it: kind, namespace and name.</summary>
    public async Task<JsonNode> StatusOfAsync(string kind, string ns, string name) =>
        (await StatusAsync()).Single(s => s!["object"]!["kind"]!.GetValue<string>() == kind
            && s["object"]!["namespace"]!.GetValue<string>() == ns && s["object"]!["name"]!.GetValue<string>() == name)!;

    /// <summary>The condition of <paramref name="type"/> of the HTTPRoute's parent Gateway <paramref name="gateway"/>.</summary>
    public async Task<JsonNode> ParentConditionAsync(string ns, string route, string gateway, string type)
    {
        var status = await StatusOfAsync("HTTPRoute", ns, route);
        var parent = status["parents"]!.AsArray().Single(p => p!["parentRef"]!["name"]!.GetValue<string>() == gateway)!;
        return parent["conditions"]!.AsArray().Single(c => c!["type"]!.GetValue<string>() == type)!;
    }

    /// <summary>A request through the gateway's traffic listener with the given host and headers.</summary>
    public async Task<Answer> SendAsync(string path, string host = "example.com", string method = "GET", params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), $"http://127.0.0.1:{Traffic}{path}");
        request.Headers.Host = host;
        foreach (var (name, value) in headers) { request.Headers.TryAddWithoutValidation(name, value); }
        return await SendAsync(request);
    }

    /// <summary>A request made by the caller (e.g. HTTP/2 with prior knowledge) through the gateway.</summary>
    public async Task<Answer> SendAsync(HttpRequestMessage request)
    {
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var echo = response.Content.Headers.ContentType?.MediaType == "application/json" && response.Headers.Contains("x-echo") ? JsonNode.Parse(body) : null;
        return new Answer((int)response.StatusCode, echo, response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value)), body) { Version = response.Version };
    }

    /// <summary>What came back: the status, the echo's report (which backend, path, headers) when a backend answered.</summary>
    public sealed record Answer(int Status, JsonNode? Echo, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string? Backend => Echo?["backend"]?.GetValue<string>();
        public string? Path => Echo?["path"]?.GetValue<string>();
        /// <summary>The protocol the backend saw ("HTTP/1.1", "HTTP/2"), as Kestrel names it.</summary>
        public string? BackendProtocol => Echo?["protocol"]?.GetValue<string>();
        /// <summary>The HTTP version of the gateway's answer to the client.</summary>
        public Version? Version { get; init; }
        public string? RequestHeader(string name) => Echo?["headers"]?[name.ToLowerInvariant()]?.GetValue<string>();
        public override string ToString() => $"{Status} {Body}";
    }

    private async Task<WebApplication> StartEchoAsync(string ns, string name, HttpProtocols protocols)
    {
        var app = LoopbackApp.Create(protocols);
        app.UseWebSockets();
        app.Run(async context =>
        {
            lock (_requests) { _requests[name] = _requests.GetValueOrDefault(name) + 1; }
            if (context.WebSockets.IsWebSocketRequest)
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                await EchoMessagesAsync(socket, context.RequestAborted);
                return;
            }
            // The suite's echo waits ?delay=1s before answering: how the timeout scenarios make a slow backend.
            if (context.Request.Query["delay"] is [{ } text] && Konnect.Api.Duration.TryParse(text, out var delay))
            {
                try { await Task.Delay(delay, context.RequestAborted); }
                catch (OperationCanceledException) { return; }
            }
            // ?stream=2s: a slow answer that keeps sending, a line every 100 ms for that long (a deadline must cut it).
            if (context.Request.Query["stream"] is [{ } length] && Konnect.Api.Duration.TryParse(length, out var streaming))
            {
                context.Response.Headers["x-echo"] = name;
                for (var sent = TimeSpan.Zero; sent < streaming; sent += TimeSpan.FromMilliseconds(100))
                {
                    await context.Response.WriteAsync($"{name}\n", context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(100, context.RequestAborted);
                }
                return;
            }
            var headers = new JsonObject();
            foreach (var header in context.Request.Headers) { headers[header.Key.ToLowerInvariant()] = header.Value.ToString(); }
            context.Response.Headers["x-echo"] = name;
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["backend"] = name,
                ["namespace"] = ns,
                ["method"] = context.Request.Method,
                ["protocol"] = context.Request.Protocol,
                ["path"] = context.Request.Path.Value + context.Request.QueryString.Value,
                ["host"] = context.Request.Host.Value,
                ["headers"] = headers,
            });
        });
        await app.StartAsync();
        return app;
    }

    /// <summary>Each message back as it came, text or binary, until the client closes (or the connection drops).</summary>
    private static async Task EchoMessagesAsync(WebSocket socket, CancellationToken aborted)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, aborted);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", aborted);
                return;
            }
            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, aborted);
        }
    }

    private string BaseManifests()
    {
        var services = string.Concat(Services.Select(s =>
        {
            var port = _backends[s.Name].Port();
            var (servicePorts, slicePorts) = s.Name == "infra-backend-v1"
                ? ($$"""
                    [{ name: first-port, port: 8080, targetPort: 3000 },
                     { name: second-port, port: 8081, targetPort: 3001, appProtocol: kubernetes.io/h2c },
                     { name: third-port, port: 8082, targetPort: 3000, appProtocol: kubernetes.io/ws }]
                    """.ReplaceLineEndings(" "),
                    $"[{{ name: first-port, port: {port} }}, {{ name: second-port, port: {_h2cBackend.Port()} }}, {{ name: third-port, port: {port} }}]")
                : ("[{ name: first-port, port: 8080, targetPort: 3000 }]", $"[{{ name: first-port, port: {port} }}]");
            return $$"""
                ---
                apiVersion: v1
                kind: Service
                metadata: { name: {{s.Name}}, namespace: {{s.Namespace}} }
                spec: { ports: {{servicePorts}} }
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata: { name: {{s.Name}}-local, namespace: {{s.Namespace}}, labels: { kubernetes.io/service-name: {{s.Name}} } }
                addressType: IPv4
                ports: {{slicePorts}}
                endpoints: [{ addresses: [127.0.0.1] }]

                """;
        }));
        return $$"""
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: { name: konnect }
            spec: { controllerName: konnect.dev/gateway-controller }
            ---
            apiVersion: v1
            kind: Namespace
            metadata: { name: {{Infra}}, labels: { gateway-conformance: infra } }
            ---
            apiVersion: v1
            kind: Namespace
            metadata: { name: {{AppBackend}}, labels: { gateway-conformance: backend } }
            ---
            apiVersion: v1
            kind: Namespace
            metadata: { name: {{WebBackend}}, labels: { gateway-conformance: backend } }
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: same-namespace, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners: [{ name: http, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: Same } } }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: all-namespaces, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners: [{ name: http, port: 80, protocol: HTTP, allowedRoutes: { namespaces: { from: All } } }]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: { name: backend-namespaces, namespace: {{Infra}} }
            spec:
              gatewayClassName: konnect
              listeners:
                - name: http
                  port: 80
                  protocol: HTTP
                  allowedRoutes: { namespaces: { from: Selector, selector: { matchLabels: { gateway-conformance: backend } } } }
            {{services}}
            """;
    }
}
