using Konnect.Controller.Sources;

namespace Konnect.Controller.Tests.Translation.Routes;

/// <summary>Which Service ports are reached over TLS: by the port's name or appProtocol, and only those.</summary>
public sealed class UpstreamTlsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-upstream-tls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("{ name: https, port: 443 }", true)]
    [InlineData("{ name: web, port: 443, appProtocol: https }", true)]
    [InlineData("{ name: web, port: 443, appProtocol: kubernetes.io/wss }", true)]
    [InlineData("{ name: web, port: 443, appProtocol: kubernetes.io/ws }", false)]
    [InlineData("{ name: http, port: 443 }", false)]
    public void ServicePort_TlsByNameOrAppProtocol(string port, bool tls)
    {
        var path = Path.Combine(_dir, "route.yaml");
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Service
            metadata: { name: orders, namespace: shop }
            spec: { ports: [{{port}}] }
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: orders-1, namespace: shop, labels: { kubernetes.io/service-name: orders } }
            addressType: IPv4
            ports: [{ name: {{(port.Contains("name: https") ? "https" : port.Contains("name: http,") ? "http" : "web")}}, port: 8443 }]
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
