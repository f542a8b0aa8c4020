using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Konnect.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Konnect.Controller.Tests.Sources;

/// <summary>
/// The fetcher of spec.api.openapi.url against a real Kestrel server: a document is fetched when a route names it and
/// again when due; a failure keeps the last text and says why (without the URL's query); an answer over 1 MiB, chunked
/// or announced, is refused; a URL no route names any more is forgotten; and each change wakes the reconciler.
/// </summary>
public sealed class ApiDocumentFetcherTests : IAsyncLifetime, IDisposable
{
    private const string Document = "openapi: 3.1.0\ninfo: { title: Orders, version: '1' }\npaths: {}\n";
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-fetch-").FullName;
    private readonly WebApplication _server = LoopbackApp.Create();
    private int _status = 200;

    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    public async Task InitializeAsync()
    {
        _server.MapGet("/doc", (HttpContext context) => _status == 200 ? Results.Text(Document, "application/yaml") : Results.StatusCode(_status));
        _server.MapGet("/big", async (HttpContext context) =>
        {
            // Chunked: no Content-Length to refuse it by.
            var chunk = new byte[64 * 1024];
            for (var i = 0; i < 40; i++) { await context.Response.Body.WriteAsync(chunk); }
        });
        _server.MapGet("/announced", (HttpContext context) => Results.Bytes(new byte[2 * 1024 * 1024], "application/json"));
        await _server.StartAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Url(string path) => $"http://127.0.0.1:{_server.Port()}{path}";

    private ResourceStore Store(params string[] urls)
    {
        var store = new ResourceStore();
        Name(store, urls);
        return store;
    }

    private void Name(ResourceStore store, params string[] urls)
    {
        var path = Path.Combine(_dir, "routes.yaml");
        File.WriteAllText(path, string.Concat(urls.Select((url, i) => $$"""
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: api-{{i}}, namespace: shop }
            spec:
              api: { name: api-{{i}}, version: v1, openapi: { url: "{{url}}" } }
              rules: [{ matches: [{ path: { value: /api-{{i}} } }], backends: [{ url: "http://orders:8080" }] }]
            ---

            """)));
        store.Replace(ManifestSource.LoadPaths([path]));
    }

    [Fact]
    public async Task NamedUrl_Fetched_AndTheReconcilerWoken()
    {
        var store = Store(Url("/doc?token=abc"));
        var fetcher = new ApiDocumentFetcher(store, new Clock(), NullLogger<ApiDocumentFetcher>.Instance);
        var revision = store.Revision;

        await fetcher.FetchDueAsync(CancellationToken.None);

        var fetched = fetcher.Documents[Url("/doc?token=abc")];
        Assert.Equal((Document, (string?)null), (fetched.Text, fetched.Problem));
        Assert.Equal(1, fetcher.Revision);
        Assert.True(store.Revision > revision);
    }

    [Fact]
    public async Task FailingLater_LastTextKept_ProblemWithoutTheQuery_RetriedWhenDue()
    {
        var clock = new Clock();
        var store = Store(Url("/doc?token=abc"));
        var fetcher = new ApiDocumentFetcher(store, clock, NullLogger<ApiDocumentFetcher>.Instance);
        await fetcher.FetchDueAsync(CancellationToken.None);

        _status = 503;
        await fetcher.FetchDueAsync(CancellationToken.None); // not due yet: nothing asked
        Assert.Null(fetcher.Documents.Single().Value.Problem);
        clock.Now += ApiDocumentFetcher.Refresh;
        await fetcher.FetchDueAsync(CancellationToken.None);

        var failed = fetcher.Documents.Single().Value;
        Assert.Equal(Document, failed.Text);
        Assert.Equal($"{Url("/doc")} answered 503", failed.Problem);

        _status = 200;
        clock.Now += ApiDocumentFetcher.Retry;
        await fetcher.FetchDueAsync(CancellationToken.None);
        Assert.Null(fetcher.Documents.Single().Value.Problem);
    }

    [Theory]
    [InlineData("/big")]
    [InlineData("/announced")]
    public async Task OverOneMebibyte_Refused(string path)
    {
        var fetcher = new ApiDocumentFetcher(Store(Url(path)), new Clock(), NullLogger<ApiDocumentFetcher>.Instance);

        await fetcher.FetchDueAsync(CancellationToken.None);

        var fetched = fetcher.Documents.Single().Value;
        Assert.Null(fetched.Text);
        Assert.Equal($"{Url(path)} sent more than 1,048,576 bytes, the most that are read", fetched.Problem);
    }

    [Fact]
    public async Task UnreachableUrl_SaysSo_AndAUrlNoLongerNamed_IsForgotten()
    {
        var closed = $"http://127.0.0.1:{Repo.FreePort()}/doc";
        var store = Store(closed, Url("/doc"));
        var fetcher = new ApiDocumentFetcher(store, new Clock(), NullLogger<ApiDocumentFetcher>.Instance);
        await fetcher.FetchDueAsync(CancellationToken.None);
        Assert.Equal($"{closed} could not be fetched: ConnectionError", fetcher.Documents[closed].Problem);

        Name(store, Url("/doc"));
        await fetcher.FetchDueAsync(CancellationToken.None);

        Assert.Equal([Url("/doc")], fetcher.Documents.Keys);
    }
}
