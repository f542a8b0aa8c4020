using System.Text;
using Konnect.Api.Kubernetes;
using Konnect.Kubernetes;
using Konnect.Testing;
using Konnect.Testing.Kubernetes;

namespace Konnect.Functional.Tests.ClusterMode;

/// <summary>
/// The real `konnect` process (socket completions run inline on its event thread, see Program.cs) listing pages far
/// larger than what arrives with the response headers, as a cluster with thousands of objects returns them.
/// KubernetesClient decodes an answer with a synchronous read; unbuffered, that read blocked the socket engine's
/// thread on bytes only it could deliver, and every list, Lease renewal and /readyz of the process hung.
/// </summary>
public sealed class KubernetesLargeListTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-large-list-").FullName;
    private FakeKubeApiServer _api = null!;

    public async Task InitializeAsync() => _api = await FakeKubeApiServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Run_PagesOfSeveralMegabytes_ListsEverythingAndGetsReady()
    {
        // 1,200 each of Services, EndpointSlices and Secrets of 8 KiB, listed at once: pages of 500, about 4 MiB each.
        var blob = new string('x', 8 * 1024);
        for (var i = 0; i < 1200; i++)
        {
            ObjectMeta Meta() => new() { Name = $"o-{i:D4}", Namespace = "shop", Annotations = new() { ["note"] = blob } };
            _api.Put(ResourceTypes.Services, new Service { Metadata = Meta(), Spec = new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 80 }] } });
            _api.Put(ResourceTypes.EndpointSlices, new EndpointSlice { Metadata = Meta(), AddressType = "IPv4", Endpoints = [new Endpoint { Addresses = ["10.0.0.1"] }] });
            _api.Put(ResourceTypes.Secrets, new Secret { Metadata = Meta(), Data = new() { ["key"] = [1, 2, 3] } });
        }
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        await Repo.WriteKubeconfigAsync(kubeconfig, _api.Url, "default");
        var admin = Repo.FreePort();
        var output = new StringBuilder();
        var konnect = Repo.StartDotnet(Repo.KonnectDll, output, "run", "--kubeconfig", kubeconfig,
            "--listen", $"http://127.0.0.1:{Repo.FreePort()}", "--admin-listen", $"http://127.0.0.1:{admin}");
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Repo.EventuallyAsync(async () => (await http.GetAsync($"http://127.0.0.1:{admin}/readyz")).IsSuccessStatusCode,
                $"konnect /readyz after listing 3,600 large objects; its output:\n{output}", 60);
            // The object gauges are set once the pass has reported its statuses, a moment after the model that makes
            // /readyz answer 200 was applied (seen missing once in a CI run): wait for them rather than race them.
            await Repo.EventuallyAsync(async () => (await http.GetStringAsync($"http://127.0.0.1:{admin}/metrics")).Contains("konnect_objects", StringComparison.Ordinal),
                "konnect_objects on /metrics", 10);
            Assert.True(_api.CountRequests("GET", "/services") >= 3, "the Services were listed in pages");
            Assert.True(_api.CountRequests("GET", "/endpointslices") >= 3, "the EndpointSlices were listed in pages");
        }
        finally
        {
            Repo.Stop(konnect);
        }
    }
}
