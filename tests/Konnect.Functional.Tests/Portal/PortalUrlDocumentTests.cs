using System.Net;
using System.Text.Json;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Konnect.Functional.Tests.Portal;

/// <summary>
/// spec.api.openapi.url end to end: the real `konnect run` with the portal on fetches the document from a real server,
/// shows its operations and says so in /status. (Failures, refetching and limits: ApiDocumentFetcherTests.)
/// </summary>
public sealed class PortalUrlDocumentTests : IAsyncLifetime
{
    private readonly FolderModeHost _host = new("konnect-portal-url-");
    private readonly int _portal = Repo.FreePort();
    private readonly WebApplication _docs = LoopbackApp.Create();
    private int _fetches;

    public async Task InitializeAsync()
    {
        _docs.MapGet("/orders.yaml", () =>
        {
            Interlocked.Increment(ref _fetches);
            return Results.Text("openapi: 3.1.0\ninfo: { title: Orders, version: '1' }\npaths:\n  /orders: { get: { summary: List orders, responses: { '200': { description: ok } } } }\n", "application/yaml");
        });
        await _docs.StartAsync();
        File.WriteAllText(Path.Combine(_host.Dir, "route.yaml"), $$"""
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: orders-v1, namespace: shop }
            spec:
              api: { name: orders, version: v1, visibility: Listed, openapi: { url: "http://127.0.0.1:{{_docs.Port()}}/orders.yaml" } }
              rules: [{ matches: [{ path: { value: /orders } }], backends: [{ url: "http://127.0.0.1:{{_host.Upstream}}" }] }]
            """);
        await _host.StartAsync("orders", "--portal-listen", $"http://127.0.0.1:{_portal}");
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _docs.DisposeAsync();
    }

    [Fact]
    public async Task DocumentFromAUrl_FetchedAndShownOnThePortal()
    {
        await Repo.EventuallyAsync(async () => (await Operations()).SequenceEqual(["GET /orders"]), "the fetched operation on the portal");

        Assert.Contains("\"DocumentRead\"", await _host.Http.GetStringAsync($"http://127.0.0.1:{_host.Admin}/status"));
        // Once: the store changes the fetcher itself makes (and the reconciler's passes) do not fetch again before it is due.
        Assert.Equal(1, Volatile.Read(ref _fetches));
    }

    private async Task<string[]> Operations()
    {
        using var api = await _host.Http.GetAsync($"http://127.0.0.1:{_portal}/api/apis/shop/orders");
        if (api.StatusCode != HttpStatusCode.OK) { return []; }
        using var json = JsonDocument.Parse(await api.Content.ReadAsStringAsync());
        var version = json.RootElement.GetProperty("versions")[0];
        return version.TryGetProperty("document", out var document)
            ? [.. document.GetProperty("operations").EnumerateArray().Select(o => $"{o.GetProperty("method")} {o.GetProperty("path")}")]
            : [];
    }
}
