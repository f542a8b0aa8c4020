using System.Text.RegularExpressions;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Testing;
using Microsoft.Playwright;

namespace Konnect.Functional.Tests.Portal;

/// <summary>
/// The developer portal in a real headless browser (Debian's chromium, driven by Playwright), served by the real
/// `konnect run --manifests` on samples/platform: the page lists the sample's API with each version's state, the search
/// form narrows the list, an API's page shows the operations of its OpenAPI ConfigMap, and a hostile document's script
/// and markup are shown as text while no script runs.
/// </summary>
public sealed class PortalBrowserTests : IAsyncLifetime
{
    private const string Hostile = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">";
    private readonly FolderModeHost _host = new("konnect-portal-");
    private readonly int _portal = Repo.FreePort();
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "samples", "platform"), "*.yaml"))
        {
            File.Copy(file, Path.Combine(_host.Dir, Path.GetFileName(file)));
        }
        File.WriteAllText(Path.Combine(_host.Dir, "local.yaml"), LocalEndpoints(_host.Upstream) + HostileApi);
        await _host.StartAsync("catalog", "--portal-listen", $"http://127.0.0.1:{_portal}");
        _playwright = await Playwright.CreateAsync();
        // Debian's chromium: Playwright's own browser download is neither wanted nor reachable. The flags keep it off the
        // network it would otherwise call at start-up.
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) { await _browser.CloseAsync(); }
        _playwright?.Dispose();
        await _host.DisposeAsync();
    }

    private string Portal(string path = "/") => $"http://127.0.0.1:{_portal}{path}";

    private async Task<IPage> OpenAsync(string path)
    {
        var page = await _browser!.NewPageAsync();
        var response = await page.GotoAsync(Portal(path));
        Assert.Equal(200, response!.Status);
        return page;
    }

    [Fact]
    public async Task Page_ListsTheSampleApi_WithEachVersionsState()
    {
        var page = await OpenAsync("/");

        var catalog = page.Locator("li.api[data-api='catalog/catalog']");
        Assert.Equal("Product catalog", await catalog.Locator("h4").InnerTextAsync());
        Assert.Equal(["v2 Published", "v1 Deprecated since 2026-06-01, sunset 2027-06-30", "v0 Retired"],
            (await catalog.Locator("ul.versions li").AllInnerTextsAsync()).Select(t => Regex.Replace(t, @"\s+", " ").Trim()));
        Assert.Equal("Team storefront", await page.Locator("section[data-namespace='catalog'] h3.team").First.InnerTextAsync());
        Assert.Equal(2, await page.Locator("li.api").CountAsync());
    }

    [Fact]
    public async Task Search_NarrowsTheList()
    {
        var page = await OpenAsync("/");
        Assert.Equal(2, await page.Locator("li.api").CountAsync());

        await page.FillAsync("#q", "stock");
        await SubmitAsync(page, "q=stock");

        Assert.Equal(["catalog/catalog"], await page.Locator("li.api").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.api)"));
        Assert.Equal("1 API of 2 match", await page.Locator("#count").InnerTextAsync());

        await page.SelectOptionAsync("#state", "Retired");
        await page.FillAsync("#q", "");
        await SubmitAsync(page, "state=Retired");
        Assert.Equal(1, await page.Locator("li.api").CountAsync());
    }

    [Fact]
    public async Task ApiPage_ShowsTheOperationsOfItsOpenApiConfigMap()
    {
        var page = await OpenAsync("/");
        await page.ClickAsync("li.api[data-api='catalog/catalog'] h4 a");
        await page.WaitForURLAsync(Portal("/apis/catalog/catalog"));

        var v2 = page.Locator("section#version-v2");
        Assert.Equal(["GET /v2/products List products", "POST /v2/products Add a product", "GET /v2/products/{sku} One product"],
            (await v2.Locator("details.operation summary").AllInnerTextsAsync()).Select(t => Regex.Replace(t, @"\s+", " ").Trim()));
        var list = v2.Locator("details.operation[data-operation='GET /v2/products']");
        Assert.False(await list.Locator("table.parameters").IsVisibleAsync());
        await list.Locator("summary").ClickAsync();
        Assert.True(await list.Locator("table.parameters").IsVisibleAsync());
        Assert.Contains("integer, 1..100", await list.Locator("table.parameters").InnerTextAsync());
        Assert.Contains("410 Gone", await page.Locator("section#version-v0").InnerTextAsync());
    }

    [Fact]
    public async Task AnalyticsChart_ShowsTheCallsJustMade()
    {
        for (var i = 0; i < 7; i++)
        {
            using var call = await _host.Http.GetAsync($"http://127.0.0.1:{_host.Traffic}/v2/products?page={i}");
            Assert.Equal(System.Net.HttpStatusCode.OK, call.StatusCode);
        }
        using var retired = await _host.Http.GetAsync($"http://127.0.0.1:{_host.Traffic}/v0/products");
        Assert.Equal(System.Net.HttpStatusCode.Gone, retired.StatusCode);

        // A call is counted once it has ended on the gateway, a moment after its answer: reload until all eight are in.
        var page = await _browser!.NewPageAsync();
        await Repo.EventuallyAsync(async () =>
        {
            await page.GotoAsync(Portal("/apis/catalog/catalog"));
            return await page.Locator("svg.chart.calls").GetAttributeAsync("data-requests") == "8";
        }, "the chart counts the eight calls", seconds: 10);

        var chart = page.Locator("svg.chart.calls");
        Assert.True((await chart.BoundingBoxAsync())!.Height > 100);
        Assert.Equal(8, (await chart.Locator("g.minute").EvaluateAllAsync<int[]>("bars => bars.map(b => +b.dataset.requests)")).Sum());
        Assert.Equal("8", await page.Locator("#calls dd.requests").InnerTextAsync());
        Assert.Equal("1", await page.Locator("#calls dd.errors").InnerTextAsync());
        Assert.Contains("410", await page.Locator("table.top-errors").InnerTextAsync());
        Assert.Contains("api-gone", await page.Locator("table.top-errors").InnerTextAsync());
    }

    [Fact]
    public async Task HostileDocument_ShownAsText_NoScriptRuns()
    {
        var dialogs = 0;
        var page = await _browser!.NewPageAsync();
        page.Dialog += (_, dialog) => { dialogs++; _ = dialog.DismissAsync(); };
        await page.GotoAsync(Portal("/apis/catalog/hostile"));
        await page.Locator("details.operation summary").First.ClickAsync();

        Assert.Equal("undefined", await page.EvaluateAsync<string>("() => typeof window.__pwned"));
        Assert.Equal(0, await page.Locator("main script, main img").CountAsync());
        Assert.Contains(Hostile, await page.Locator("p.description").First.InnerTextAsync());
        Assert.Contains("<script>alert('summary')</script>", await page.Locator("details.operation summary").First.InnerTextAsync());
        Assert.Contains("<img src=x onerror=alert('param')>", await page.Locator("table.parameters").First.InnerTextAsync());
        Assert.Equal(0, dialogs);
    }

    /// <summary>
    /// Submits the search form and waits until the page it loads is in place. Polls the page instead of waiting for
    /// Playwright's load events: on a loaded machine a wait for the next "load" could start after it fired (seen once).
    /// </summary>
    private static async Task SubmitAsync(IPage page, string expected)
    {
        await page.ClickAsync("form#search button[type=submit]");
        await Repo.EventuallyAsync(async () =>
        {
            try
            {
                return page.Url.Contains(expected, StringComparison.Ordinal) && await page.Locator("#count").CountAsync() == 1
                    && await page.EvaluateAsync<string>("() => document.readyState") == "complete";
            }
            catch (PlaywrightException)
            {
                return false; // the old page went away mid-question
            }
        }, $"the search page for {expected}", seconds: 30);
    }

    private static string LocalEndpoints(int port) => $$"""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: catalog-v2-local, namespace: catalog, labels: { kubernetes.io/service-name: catalog-v2 } }
        addressType: IPv4
        ports: [{ name: http, port: {{port}}, protocol: TCP }]
        endpoints: [{ addresses: [127.0.0.1], conditions: { ready: true } }]
        ---

        """;

    private static readonly string HostileApi = $$"""
        apiVersion: konnect.dev/v1alpha1
        kind: KonnectRoute
        metadata: { name: hostile-v1, namespace: catalog }
        spec:
          api:
            name: hostile
            version: v1
            visibility: Listed
            description: '{{Hostile}}'
            openapi: { configMap: { name: hostile-doc } }
          rules: [{ matches: [{ path: { value: /hostile } }], backends: [{ service: catalog-v2, port: http }] }]
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: { name: hostile-doc, namespace: catalog }
        data:
          openapi.yaml: |
            openapi: 3.1.0
            info: { title: "<script>alert('title')</script>", version: "1" }
            paths:
              /hostile:
                get:
                  summary: "<script>alert('summary')</script>"
                  description: "<iframe src=javascript:alert('description')></iframe>"
                  parameters: [{ name: "<img src=x onerror=alert('param')>", in: query, schema: { type: string } }]
                  responses: { "200": { description: "<svg onload=alert('response')>" } }
        """;
}
