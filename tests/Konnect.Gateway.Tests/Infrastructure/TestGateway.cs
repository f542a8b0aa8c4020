using System.Net;
using System.Text.Json;
using Konnect.Model;
using Konnect.Gateway.Observability.AccessLog;
using Konnect.Gateway.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Tests.Infrastructure;

/// <summary>The real gateway on 127.0.0.1:0 (traffic and admin), with clients for both ports.</summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private static int s_version;
    private readonly WebApplication _app;

    private TestGateway(WebApplication app, LineCollector accessLog)
    {
        _app = app;
        AccessLog = accessLog;
        var listeners = app.Services.GetRequiredService<GatewayListeners>();
        Traffic = Client(listeners.TrafficEndPoints.Single());
        Admin = Client(listeners.AdminEndPoints.Single());
        Publisher = app.Services.GetRequiredService<IConfigPublisher>();
    }

    public HttpClient Traffic { get; }

    /// <summary>The access-log lines written so far (the writer is asynchronous: poll for the ones expected).</summary>
    public LineCollector AccessLog { get; }

    public HttpClient Admin { get; }

    /// <summary>A client of the developer portal's listener (started with GatewayOptions.PortalUrls set); the caller disposes it.</summary>
    public HttpClient PortalClient() =>
        new() { BaseAddress = new Uri($"http://127.0.0.1:{Services.GetRequiredService<GatewayListeners>().PortalEndPoints.Single().Port}") };

    public IConfigPublisher Publisher { get; }

    public IServiceProvider Services => _app.Services;

    /// <param name="beforeStart">Runs after the pipeline is built and before Kestrel starts.</param>
    /// <param name="trafficUrl">Where traffic is served, e.g. "http://[::1]:0" to test IPv6 clients.</param>
    /// <param name="configure">Adjusts the options, e.g. JWKS refresh intervals.</param>
    /// <param name="services">Replaces services, e.g. the TimeProvider.</param>
    public static async Task<TestGateway> StartAsync(Func<IConfigPublisher, Task>? beforeStart = null, string trafficUrl = "http://127.0.0.1:0",
        Action<GatewayOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var options = new GatewayOptions { TrafficUrls = trafficUrl, AdminUrls = "http://127.0.0.1:0" };
        configure?.Invoke(options);
        var accessLog = new LineCollector();
        var app = GatewayHost.Build(options, s =>
        {
            s.RemoveAll<ILoggerProvider>();
            // The access log goes to the test, not to the test runner's stdout.
            s.AddSingleton(new AccessLogOutput(accessLog));
            s.AddControlPlaneSide();
            services?.Invoke(s);
        });
        if (beforeStart is not null)
        {
            await beforeStart(app.Services.GetRequiredService<IConfigPublisher>());
        }

        await app.StartAsync();
        return new TestGateway(app, accessLog);
    }

    /// <summary>Publishes the routes as a model with a fresh version and insists nothing was rejected.</summary>
    public async Task<GatewayModel> PublishAsync(params RouteModel[] routes)
    {
        var model = Model(routes);
        var result = await Publisher.PublishAsync(model, CancellationToken.None);
        Assert.True(result.Applied);
        Assert.Empty(result.Rejected);
        return model;
    }

    public static GatewayModel Model(params RouteModel[] routes) =>
        new() { Version = $"test-{Interlocked.Increment(ref s_version)}", Routes = routes };

    public Task<HttpResponseMessage> GetAsync(string path, string? host = null, HttpMethod? method = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return Traffic.SendAsync(request);
    }

    /// <summary>GETs <paramref name="path"/> and returns the upstream's echo of the path it received.</summary>
    public async Task<string> BodyAsync(string path, string? host = null, HttpMethod? method = null, params (string Name, string Value)[] headers)
    {
        using var response = await GetAsync(path, host, method, headers);
        var body = await response.Content.ReadAsStringAsync();
        return response.StatusCode == HttpStatusCode.OK ? body : $"{(int)response.StatusCode}";
    }

    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var problem = json.RootElement.Clone();
        Assert.Equal((int)response.StatusCode, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.Equal(response.Headers.GetValues("x-request-id").Single(), problem.GetProperty("requestId").GetString());
        Assert.DoesNotContain("   at ", problem.GetProperty("detail").GetString());
        return problem;
    }

    /// <summary>
    /// The gateway's own answer, and which one: <paramref name="expected"/>'s status, and a problem document (as above)
    /// with its type and title. A test that sees a 502 or a 503 knows its cause this way, not only its status.
    /// </summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, Problem expected)
    {
        Assert.Equal(expected.Status, (int)response.StatusCode);
        var problem = await ProblemAsync(response);
        Assert.Equal(expected.Type, problem.GetProperty("type").GetString());
        Assert.Equal(expected.Title, problem.GetProperty("title").GetString());
        return problem;
    }

    /// <summary>GETs <paramref name="path"/> and insists the gateway answered <paramref name="expected"/> itself.</summary>
    public async Task<JsonElement> GetProblemAsync(string path, Problem expected)
    {
        using var response = await GetAsync(path);
        return await ProblemAsync(response, expected);
    }

    /// <summary>An answer the upstream made (its own 503, say) that the gateway passed through: no problem of the gateway's.</summary>
    public static void AssertFromUpstream(HttpResponseMessage response) =>
        Assert.NotEqual(ProblemResponse.ContentType, response.Content.Headers.ContentType?.MediaType);

    private static HttpClient Client(IPEndPoint endpoint) =>
        new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri($"http://{new IPEndPoint(endpoint.Address, endpoint.Port)}"),
            Timeout = TimeSpan.FromSeconds(20),
        };

    public async ValueTask DisposeAsync()
    {
        Traffic.Dispose();
        Admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
