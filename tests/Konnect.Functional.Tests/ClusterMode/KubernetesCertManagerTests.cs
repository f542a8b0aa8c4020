using System.Text;
using Konnect.Api.CertManager;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Commands;
using Konnect.Functional.Tests.Infrastructure;
using Konnect.Gateway;
using Konnect.Kubernetes;
using Konnect.Testing;
using Konnect.Testing.Kubernetes;
using Konnect.Testing.Tls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Konnect.Functional.Tests.ClusterMode;

/// <summary>
/// cert-manager on a (fake) cluster: a route with spec.tls.issuerRef gets a Certificate it owns, the test plays
/// cert-manager (writes the Secret, sets Ready), and the HTTPS listener then serves that certificate.
/// </summary>
public sealed class KubernetesCertManagerTests : IAsyncLifetime
{
    private static readonly TestCertificate Ca = TestCertificate.Authority("Konnect cert-manager CA");
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-certmgr-").FullName;
    private readonly int _tls = Repo.FreePort();
    private FakeKubeApiServer _api = null!;
    private WebApplication _backend = null!;
    private WebApplication? _konnect;
    private int _backendPort;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApiServer.StartAsync();
        await Repo.WriteKubeconfigAsync(Path.Combine(_dir, "kubeconfig"), _api.Url, "konnect-system");
        await File.WriteAllTextAsync(Path.Combine(_dir, "ca.pem"), Ca.CertificatePem);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _backend = builder.Build();
        _backend.Run(context => context.Response.WriteAsync("shop backend"));
        await _backend.StartAsync();
        _backendPort = new Uri(_backend.Urls.First()).Port;
    }

    public async Task DisposeAsync()
    {
        if (_konnect is not null)
        {
            await _konnect.StopAsync();
            await _konnect.DisposeAsync();
        }
        await _backend.DisposeAsync();
        await _api.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task IssuerRef_CreatesOwnedCertificate_ReadyCertificateIsServed_HostChangeUpdatesDnsNames()
    {
        var route = _api.Put(ResourceTypes.KonnectRoutes, Route("shop", "shop.test"));
        await StartKonnectAsync();

        var certificate = await EventuallyCertificateAsync(c => c is not null, "Certificate created");
        Assert.Equal(["shop.test"], certificate.Spec.DnsNames);
        Assert.Equal("shop-tls", certificate.Spec.SecretName);
        Assert.Equal(new CertManagerIssuerRef { Name = "letsencrypt", Kind = "ClusterIssuer", Group = "cert-manager.io" }, certificate.Spec.IssuerRef);
        var owner = Assert.Single(certificate.Metadata.OwnerReferences!);
        Assert.Equal("konnect.dev/v1alpha1", owner.ApiVersion);
        Assert.Equal("KonnectRoute", owner.Kind);
        Assert.Equal("shop", owner.Name);
        Assert.Equal(route.Metadata.Uid, owner.Uid);
        Assert.NotNull(owner.Uid);
        Assert.True(owner.Controller);
        Assert.True(owner.BlockOwnerDeletion);
        await EventuallyConditionAsync("shop", c => c.Status == "Unknown" && c.Reason == "CertificatePending", "pending while cert-manager has not answered");

        // Play cert-manager: issue into the Secret, then report Ready.
        var issued = Ca.Issue("shop.test");
        _api.Put(ResourceTypes.Secrets, new Secret
        {
            Metadata = new ObjectMeta { Name = "shop-tls", Namespace = "default" },
            Type = "kubernetes.io/tls",
            Data = new() { ["tls.crt"] = Encoding.UTF8.GetBytes(issued.CertificatePem), ["tls.key"] = Encoding.UTF8.GetBytes(issued.KeyPem) },
        });
        // Through the status subresource, as cert-manager writes it (a PUT of the object keeps the old status).
        using (var certManager = new KubeApiClient(_api.CreateClientConfig()))
        {
            var readyPatch = new System.Text.Json.Nodes.JsonObject
            {
                ["status"] = new System.Text.Json.Nodes.JsonObject
                {
                    ["conditions"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
                    {
                        ["type"] = "Ready", ["status"] = "True", ["reason"] = "Ready", ["message"] = "Certificate is up to date and has not expired",
                    }),
                },
            };
            await certManager.PatchStatusAsync(ResourceTypes.Certificates, "default", "konnect-shop", readyPatch, CancellationToken.None);
        }
        var ready = await EventuallyConditionAsync("shop", c => c.Status == "True", "CertificateReady=True");
        Assert.Equal("Certificate konnect-shop: Certificate is up to date and has not expired", ready.Message);

        await Repo.EventuallyAsync(async () => (await CurlAsync("shop.test")).Stdout == "shop backend", "served over https with the issued certificate");

        // A new host: the Certificate's dnsNames follow, still owned by the route.
        var changed = Route("shop", "shop.test", "www.shop.test");
        _api.Put(ResourceTypes.KonnectRoutes, changed);
        var updated = await EventuallyCertificateAsync(c => c?.Spec.DnsNames.Count == 2, "dnsNames updated");
        Assert.Equal(["shop.test", "www.shop.test"], updated.Spec.DnsNames);
        Assert.Equal(route.Metadata.Uid, Assert.Single(updated.Metadata.OwnerReferences!).Uid);
    }

    [Fact]
    public async Task CertManagerNotInstalled_RouteConditionSaysSo_TrafficStillServed()
    {
        _api.SetResourceAbsent("/apis/cert-manager.io/v1/certificates");
        _api.Put(ResourceTypes.KonnectRoutes, Route("shop", "shop.test"));
        var plain = Route("plain", "plain.test");
        plain.Spec.Tls = null;
        _api.Put(ResourceTypes.KonnectRoutes, plain);
        var listeners = (await StartKonnectAsync()).Services.GetRequiredService<GatewayListeners>();

        var condition = await EventuallyConditionAsync("shop", c => c.Reason == "CertManagerNotInstalled", "cert-manager missing reported");
        Assert.Equal("False", condition.Status);
        Assert.Contains("cert-manager is not installed", condition.Message, StringComparison.Ordinal);
        Assert.Null(ConditionOf("plain"));
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{listeners.TrafficEndPoints[0].Port}/");
        request.Headers.Host = "plain.test";
        using var response = await http.SendAsync(request);
        Assert.Equal("shop backend", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, _api.CountRequests("POST", "/certificates"));
    }

    private async Task<WebApplication> StartKonnectAsync()
    {
        _konnect = RunCommand.Build(InProcessKonnect.ClusterModeOptions(Path.Combine(_dir, "kubeconfig")) with { ListenTls = [$"https://127.0.0.1:{_tls}"] });
        await _konnect.StartAsync();
        return _konnect;
    }

    private async Task<Certificate> EventuallyCertificateAsync(Func<Certificate?, bool> condition, string what)
    {
        await Repo.EventuallyAsync(() => Task.FromResult(condition(_api.Get(ResourceTypes.Certificates, "default", "konnect-shop"))), what, 15);
        return _api.Get(ResourceTypes.Certificates, "default", "konnect-shop")!;
    }

    private async Task<Condition> EventuallyConditionAsync(string route, Func<Condition, bool> condition, string what)
    {
        await Repo.EventuallyAsync(() => Task.FromResult(ConditionOf(route) is { } c && condition(c)), what, 15);
        return ConditionOf(route)!;
    }

    private Condition? ConditionOf(string route) =>
        _api.Get(ResourceTypes.KonnectRoutes, "default", route)?.Status?.Conditions?.FirstOrDefault(c => c.Type == "CertificateReady");

    private Task<(int ExitCode, string Stdout, string Stderr)> CurlAsync(string host) =>
        Repo.RunAsync("curl", ["-sS", "--max-time", "10", "--resolve", $"{host}:{_tls}:127.0.0.1", "--cacert", Path.Combine(_dir, "ca.pem"), $"https://{host}:{_tls}/"]);

    private KonnectRoute Route(string name, params string[] hosts) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        Spec = new KonnectRouteSpec
        {
            Hosts = [.. hosts],
            Tls = new RouteTls { SecretName = name + "-tls", IssuerRef = new IssuerReference { Kind = "ClusterIssuer", Name = "letsencrypt" } },
            Rules = [new RouteRule { Backends = [new RouteBackend { Url = $"http://127.0.0.1:{_backendPort}" }] }],
        },
    };
}
