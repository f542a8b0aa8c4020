using System.Net;
using Konnect.Commands;
using Konnect.Gateway;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Reliability.Tests.HostileHttp;

/// <summary>`konnect run --manifests DIR` in process on loopback ports, with one forwarder and the given client limits.</summary>
public sealed class KonnectUnderTest : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    private KonnectUnderTest(WebApplication app, ForwarderKind forwarder)
    {
        _app = app;
        Forwarder = forwarder;
        var listeners = app.Services.GetRequiredService<GatewayListeners>();
        TrafficPort = listeners.TrafficEndPoints[0].Port;
        AdminPort = listeners.AdminEndPoints[0].Port;
    }

    /// <summary>"konnect" (Konnect's HTTP/1.1 forwarder for plain rules) or "yarp" (YARP's for every rule).</summary>
    public ForwarderKind Forwarder { get; }

    public string Name => Forwarder == ForwarderKind.Konnect ? "konnect forwarder" : "yarp forwarder";

    public int TrafficPort { get; }

    public int AdminPort { get; }

    public static async Task<KonnectUnderTest> StartAsync(string manifests, ForwarderKind forwarder, ClientLimits limits)
    {
        var app = RunCommand.Build(new RunOptions([manifests], ["http://127.0.0.1:0"], ["http://127.0.0.1:0"])
        {
            Forwarder = forwarder,
            ClientLimits = limits,
            AccessLog = false,
            HeapTrim = false,
        });
        await app.StartAsync();
        return new KonnectUnderTest(app, forwarder);
    }

    public Task<RawConnection> ConnectAsync() => RawConnection.OpenAsync(TrafficPort);

    /// <summary>A well-formed GET through HttpClient on a new connection: the status and body.</summary>
    public async Task<(HttpStatusCode Status, string Body)> GetAsync(string path)
    {
        using var response = await _http.GetAsync($"http://127.0.0.1:{TrafficPort}{path}");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The admin port's /healthz and /readyz both answer 200.</summary>
    public async Task<bool> HealthyAsync()
    {
        using var health = await _http.GetAsync($"http://127.0.0.1:{AdminPort}/healthz");
        using var ready = await _http.GetAsync($"http://127.0.0.1:{AdminPort}/readyz");
        return health.IsSuccessStatusCode && ready.IsSuccessStatusCode;
    }

    public Task<string> StatusAsync() => _http.GetStringAsync($"http://127.0.0.1:{AdminPort}/status");

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
