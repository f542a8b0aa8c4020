using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Commands;
using Konnect.Gateway;
using Konnect.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// The Gateway API conformance suite's setting, written here for Konnect: the namespaces (gateway-conformance-infra,
/// -app-backend, -web-backend, labelled as the suite labels them), the Gateways same-namespace, all-namespaces and
/// backend-namespaces, and their Services, each backed by a real Kestrel echo that answers with its own name and what it
/// received. In-process `konnect run --manifests` on a folder holding these and one scenario's manifests at a time.
/// </summary>
public sealed class ConformanceHarness : IAsyncLifetime
{
    public const string Infra = "gateway-conformance-infra";
    public const string AppBackend = "gateway-conformance-app-backend";
    public const string WebBackend = "gateway-conformance-web-backend";

    private static readonly (string Namespace, string Name)[] Services =
    [
        (Infra, "infra-backend-v1"), (Infra, "infra-backend-v2"), (Infra, "infra-backend-v3"),
        (AppBackend, "app-backend-v1"), (AppBackend, "app-backend-v2"), (WebBackend, "web-backend"),
    ];

    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-gateway-api-").FullName;
    private readonly Dictionary<string, WebApplication> _backends = [];
    private readonly Dictionary<string, int> _requests = [];
    private WebApplication _konnect = null!;

    public HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(10) };
    public int Traffic { get; private set; }
    public int Admin { get; private set; }

    public async Task InitializeAsync()
    {
        foreach (var (ns, name) in Services) { _backends[name] = await StartEchoAsync(ns, name); }
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
        foreach (var backend in _backends.Values) { await backend.DisposeAsync(); }
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

    /// <summary>How many requests the named backend has answered so far.</summary>
    public int Requests(string backend)
    {
        lock (_requests) { return _requests.GetValueOrDefault(backend); }
    }

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
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var echo = response.Content.Headers.ContentType?.MediaType == "application/json" && response.Headers.Contains("x-echo") ? JsonNode.Parse(body) : null;
        return new Answer((int)response.StatusCode, echo, response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key.ToLowerInvariant(), h => string.Join(",", h.Value)), body);
    }

    /// <summary>What came back: the status, the echo's report (which backend, path, headers) when a backend answered.</summary>
    public sealed record Answer(int Status, JsonNode? Echo, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string? Backend => Echo?["backend"]?.GetValue<string>();
        public string? Path => Echo?["path"]?.GetValue<string>();
        public string? RequestHeader(string name) => Echo?["headers"]?[name.ToLowerInvariant()]?.GetValue<string>();
        public override string ToString() => $"{Status} {Body}";
    }

    private async Task<WebApplication> StartEchoAsync(string ns, string name)
    {
        var app = LoopbackApp.Create();
        app.Run(async context =>
        {
            lock (_requests) { _requests[name] = _requests.GetValueOrDefault(name) + 1; }
            // The suite's echo waits ?delay=1s before answering: how the timeout scenarios make a slow backend.
            if (context.Request.Query["delay"] is [{ } text] && Konnect.Api.Duration.TryParse(text, out var delay))
            {
                try { await Task.Delay(delay, context.RequestAborted); }
                catch (OperationCanceledException) { return; }
            }
            var headers = new JsonObject();
            foreach (var header in context.Request.Headers) { headers[header.Key.ToLowerInvariant()] = header.Value.ToString(); }
            context.Response.Headers["x-echo"] = name;
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["backend"] = name,
                ["namespace"] = ns,
                ["method"] = context.Request.Method,
                ["path"] = context.Request.Path.Value + context.Request.QueryString.Value,
                ["host"] = context.Request.Host.Value,
                ["headers"] = headers,
            });
        });
        await app.StartAsync();
        return app;
    }

    private string BaseManifests()
    {
        var services = string.Concat(Services.Select(s => $$"""
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: {{s.Name}}, namespace: {{s.Namespace}} }
            spec: { ports: [{ name: first-port, port: 8080, targetPort: 3000 }] }
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: {{s.Name}}-local, namespace: {{s.Namespace}}, labels: { kubernetes.io/service-name: {{s.Name}} } }
            addressType: IPv4
            ports: [{ name: first-port, port: {{_backends[s.Name].Port()}} }]
            endpoints: [{ addresses: [127.0.0.1] }]

            """));
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
