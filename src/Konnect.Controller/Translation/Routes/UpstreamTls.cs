using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Store;
using Konnect.Controller.Translation.Tls;

namespace Konnect.Controller.Translation.Routes;

/// <summary>
/// Which backends are reached over https and how their certificate is checked. A Service port says so by its name
/// (https) or appProtocol (as Gateway API and Istio read them), a url by its scheme, any backend by a tls block.
/// </summary>
internal static class UpstreamTls
{
    public static bool Applies(RouteBackend backend, ResourceSnapshot snapshot, string ns)
    {
        if (backend.Tls is not null) { return true; }
        if (backend.Url is { } url) { return url.StartsWith("https://", StringComparison.OrdinalIgnoreCase); }
        if (!snapshot.Services.TryGetValue(new ObjectRef("Service", ns, backend.Service!), out var service)
            || BackendResolver.FindPort(service, backend.Port!.Value) is not { } port) { return false; }
        // kubernetes.io/wss: WebSocket over TLS, as the Gateway API reads a port's appProtocol.
        return string.Equals(port.Name, "https", StringComparison.OrdinalIgnoreCase)
            || string.Equals(port.AppProtocol, "https", StringComparison.OrdinalIgnoreCase)
            || string.Equals(port.AppProtocol, "kubernetes.io/wss", StringComparison.OrdinalIgnoreCase);
    }

    public static ResolvedBackend Apply(ResolvedBackend resolved, string ns, RouteBackend backend, ResourceSnapshot snapshot, CertificateLoader certificates)
    {
        var settings = backend.Tls ?? new BackendTls();
        string? caPem = null;
        if (settings.CaSecret is { } caSecret)
        {
            (caPem, var problem) = certificates.LoadAuthority(ns, caSecret, $"backend {resolved.Model.Name}: tls.caSecret");
            if (problem is not null)
            {
                // Never fall back to the system store: the owner asked for a private CA, so nothing else may vouch.
                return new(resolved.Model with { Endpoints = [] }, problem);
            }
        }
        CertificateModel? client = null;
        if (settings.ClientCertificateSecret is { } clientSecret)
        {
            var loaded = certificates.Load(ns, clientSecret, $"backend {resolved.Model.Name}: tls.clientCertificateSecret");
            if (loaded.Problem is { } problem) { return new(resolved.Model with { Endpoints = [] }, problem); }
            client = loaded.Certificate;
        }
        // A Service is reached by pod address, so the name to check is the Service's own DNS name unless told otherwise.
        // An ExternalName Service is reached by its DNS name, which the url already carries.
        var sni = settings.Sni ?? (backend.Service is { } service && !IsExternalName(snapshot, ns, service) ? $"{service}.{ns}.svc" : null);
        var model = resolved.Model with
        {
            Endpoints = [.. resolved.Model.Endpoints.Select(ToHttps)],
            Tls = new BackendTlsModel
            {
                Sni = sni,
                CaPem = caPem,
                CaFingerprint = caPem is null ? null
                    : $"Secret {ns}/{settings.CaSecret} sha256:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(caPem)))[..16]}",
                InsecureSkipVerify = settings.InsecureSkipVerify == true,
                ClientCertificate = client is null ? null : $"Secret {client.Secret} sha256:{client.Fingerprint[..16]}",
                ClientCertificatePem = client is null ? null : System.Text.Encoding.UTF8.GetString(client.CertificatePem),
                ClientKeyPem = client is null ? null : System.Text.Encoding.UTF8.GetString(client.KeyPem),
            },
        };
        var warning = settings.InsecureSkipVerify == true
            ? $"backend {resolved.Model.Name}: upstream TLS certificate verification is DISABLED (tls.insecureSkipVerify); anyone on the path can read and change this traffic"
            : null;
        return new(model, null, warning);
    }

    private static bool IsExternalName(ResourceSnapshot snapshot, string ns, string service) =>
        snapshot.Services.TryGetValue(new ObjectRef("Service", ns, service), out var found)
        && string.Equals(found.Spec.Type, "ExternalName", StringComparison.Ordinal);

    private static string ToHttps(string endpoint) =>
        endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "https://" + endpoint["http://".Length..] : endpoint;
}
