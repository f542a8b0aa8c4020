using System.Globalization;
using Konnect.Api;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Commands;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Gateway;
using Konnect.Kubernetes;
using Konnect.Kubernetes.LeaderElection;
using Konnect.Testing;
using Konnect.Testing.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Konnect.Functional.Tests.ClusterMode;

/// <summary>
/// `konnect run --kubeconfig` with the kind of kubeconfig EKS, GKE and AKS hand out: the user's credentials come from
/// an exec plugin (a real script here) whose tokens expire; the fake API server refuses an expired token as a real one
/// does. Konnect serves, writes status and follows changes past several expiries, and a broken plugin stops the start
/// with one line.
/// </summary>
public sealed class KubernetesExecCredentialTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-exec-run-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private int _refused;
    private FakeKubeApiServer _api = null!;
    private WebApplication? _backend;

    public async Task InitializeAsync() => _api = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { Authenticate = Valid });

    public async Task DisposeAsync()
    {
        if (_backend is not null) { await _backend.DisposeAsync(); }
        await _api.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Tokens read "Bearer tok-N-EXPIRY" (EXPIRY in Unix seconds); anything else, or a token past its expiry, is refused.</summary>
    private bool Valid(string? authorization)
    {
        var parts = authorization?.Split('-');
        var valid = parts is [_, _, var expiry] && long.TryParse(expiry, NumberStyles.None, CultureInfo.InvariantCulture, out var at)
            && DateTimeOffset.FromUnixTimeSeconds(at) > DateTimeOffset.UtcNow;
        if (!valid) { Interlocked.Increment(ref _refused); }
        return valid;
    }

    private string Kubeconfig(string pluginBody)
    {
        var plugin = Path.Combine(_dir, "get-token.sh");
        File.WriteAllText(plugin, $"#!/bin/sh\nDIR='{_dir}'\n{pluginBody}\n");
        if (OperatingSystem.IsWindows()) { throw new PlatformNotSupportedException("the plugin is a /bin/sh script"); }
        File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = Path.Combine(_dir, "kubeconfig");
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Config
            current-context: eks
            clusters: [{ name: eks, cluster: { server: "{{_api.Url.ToString().TrimEnd('/')}}" } }]
            users:
            - name: eks-admin
              user:
                exec: { apiVersion: client.authentication.k8s.io/v1, command: "{{plugin}}", args: [eks, get-token], interactiveMode: Never }
            contexts: [{ name: eks, context: { cluster: eks, user: eks-admin, namespace: default } }]
            """);
        return path;
    }

    [Fact]
    public async Task Run_ExecPluginTokensExpire_ServesAndFollowsChangesWithRenewedTokens()
    {
        // Each token lives 4 s; Konnect must renew before each expiry (after half its life) for the whole test.
        var kubeconfig = Kubeconfig("""
            n=$(( $(cat "$DIR/runs" 2>/dev/null || echo 0) + 1 )); echo $n > "$DIR/runs"
            expiry=$(( $(date +%s) + 4 ))
            printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-%s-%s","expirationTimestamp":"%s"}}' \
              "$n" "$expiry" "$(date -u -d "@$expiry" +%Y-%m-%dT%H:%M:%SZ)"
            """);
        var backend = await StartBackendAsync();
        PutServiceAndRoute(backend, "/v1");
        await using var konnect = RunCommand.Build(InProcessKonnect.ClusterModeOptions(kubeconfig));
        await konnect.StartAsync();
        var traffic = konnect.Services.GetRequiredService<GatewayListeners>().TrafficEndPoints[0].Port;
        var elector = konnect.Services.GetRequiredService<LeaderElector>();
        await EventuallyServedAsync(traffic, "/v1/orders");

        // Past two expiries: every watch is cut, so they must be opened again with a fresh token, then the route changes.
        await Task.Delay(TimeSpan.FromSeconds(9));
        _api.DropWatches();
        PutServiceAndRoute(backend, "/v2");
        await EventuallyServedAsync(traffic, "/v2/orders");
        await Repo.EventuallyAsync(() => Task.FromResult(
            _api.Get(ResourceTypes.KonnectRoutes, "default", "orders")?.Status?.Conditions?.Any(c => c.Type == "Accepted" && c.ObservedGeneration == 2) == true),
            "status of the changed route written by the leader");

        Assert.True(elector.IsLeader, "the leader kept renewing its Lease with fresh tokens");
        Assert.Equal(0, Volatile.Read(ref _refused));
        Assert.InRange(int.Parse(File.ReadAllText(Path.Combine(_dir, "runs")).Trim(), CultureInfo.InvariantCulture), 4, 20);
    }

    [Fact]
    public async Task Run_ExecPluginFails_ExitsTwoWithOneLineNamingUserAndCommand()
    {
        var kubeconfig = Kubeconfig("echo 'error: SSO session expired; run aws sso login' >&2; exit 1");

        var (exit, stdout, stderr) = await Repo.RunAsync("dotnet", Repo.KonnectDll, "run", "--kubeconfig", kubeconfig,
            "--listen", "http://127.0.0.1:0", "--admin-listen", "http://127.0.0.1:0", "--listen-tls", "https://127.0.0.1:0");

        Assert.Equal(2, exit);
        Assert.Equal($"konnect run: kubeconfig user \"eks-admin\" runs \"{Path.Combine(_dir, "get-token.sh")}\", which exited with status 1: " +
            "error: SSO session expired; run aws sso login.\n", stderr);
        Assert.DoesNotContain("   at ", stdout + stderr, StringComparison.Ordinal);
        Assert.Empty(_api.Requests);
    }

    private void PutServiceAndRoute(int port, string prefix)
    {
        _api.Put(ResourceTypes.Services, new Service
        {
            Metadata = new ObjectMeta { Name = "orders", Namespace = "default" },
            Spec = new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 80 }] },
        });
        _api.Put(ResourceTypes.EndpointSlices, new EndpointSlice
        {
            Metadata = new ObjectMeta { Name = "orders-a", Namespace = "default", Labels = new() { [EndpointSlice.ServiceNameLabel] = "orders" } },
            AddressType = "IPv4",
            Ports = [new EndpointPort { Name = "http", Port = port }],
            Endpoints = [new Konnect.Api.Kubernetes.Endpoint { Addresses = ["127.0.0.1"] }],
        });
        _api.Put(ResourceTypes.KonnectRoutes, new KonnectRoute
        {
            Metadata = new ObjectMeta { Name = "orders", Namespace = "default" },
            Spec = new KonnectRouteSpec
            {
                Rules = [new RouteRule { Matches = [new RouteMatch { Path = new PathMatch { Value = prefix } }], Backends = [new RouteBackend { Service = "orders", Port = new IntOrString("http") }] }],
            },
        });
    }

    private Task EventuallyServedAsync(int traffic, string path) => Repo.EventuallyAsync(async () =>
    {
        using var response = await _http.GetAsync($"http://127.0.0.1:{traffic}{path}");
        return response.IsSuccessStatusCode && await response.Content.ReadAsStringAsync() == "orders";
    }, $"{path} served");

    private async Task<int> StartBackendAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _backend = builder.Build();
        _backend.Run(context => context.Response.WriteAsync("orders"));
        await _backend.StartAsync();
        return new Uri(_backend.Urls.First()).Port;
    }
}
