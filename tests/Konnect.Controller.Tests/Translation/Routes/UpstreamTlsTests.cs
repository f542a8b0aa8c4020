using Konnect.Controller.Sources;

namespace Konnect.Controller.Tests.Translation.Routes;

/// <summary>Which Service ports are reached over TLS: by the port's name or appProtocol, and only those.</summary>
public sealed class UpstreamTlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-upstream-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("https", "", true)]
    [InlineData("web", "https", true)]
    [InlineData("web", "kubernetes.io/wss", true)]
    [InlineData("web", "kubernetes.io/ws", false)]
    [InlineData("http", "", false)]
    public void ServicePort_TlsByNameOrAppProtocol(string name, string appProtocol, bool tls)
    {
        var path = Path.Combine(_dir, "route.yaml");
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Service
            metadata: { name: orders, namespace: shop }
            spec: { ports: [{ name: {{name}}, port: 443{{(appProtocol == "" ? "" : ", appProtocol: " + appProtocol)}} }] }
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: orders-1, namespace: shop, labels: { kubernetes.io/service-name: orders } }
            addressType: IPv4
            ports: [{ name: {{name}}, port: 8443 }]
            endpoints: [{ addresses: [10.0.0.1] }]
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: orders, namespace: shop }
            spec: { rules: [{ backends: [{ service: orders, port: 443 }] }] }
            """);

        var backend = Assert.Single(Assert.Single(Translator.Translate(ManifestSource.LoadPaths([path])).Model.Routes).Backends);

        Assert.Equal(tls, backend.Tls is not null);
        Assert.Equal(tls ? "https://10.0.0.1:8443" : "http://10.0.0.1:8443", Assert.Single(backend.Endpoints));
    }
}
