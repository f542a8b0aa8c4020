using System.Globalization;
using Konnect.Api;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Tls;

/// <summary>A route's spec.tls resolved: the certificate to serve for its hosts, or why not, and warnings for its status.</summary>
internal sealed record RouteTlsOutcome(CertificateModel? Certificate, RouteProblem? Problem, IReadOnlyList<string> Warnings, RouteTlsModel? Model);

/// <summary>Resolves spec.tls of one route against the snapshot's Secrets.</summary>
internal static class RouteTlsResolver
{
    /// <param name="fromCluster">Watch mode: the leader's CertificateWriter acts on issuerRef and reports CertificateReady.</param>
    public static RouteTlsOutcome? Resolve(ObjectRef key, KonnectRouteSpec spec, CertificateLoader certificates, bool fromCluster)
    {
        if (spec.Tls is not { } tls) { return null; }
        var warnings = new List<string>();
        if (tls.IssuerRef is { } issuer && !fromCluster)
        {
            warnings.Add($"spec.tls.issuerRef ({issuer.Kind} {issuer.Name}) needs a cluster: cert-manager issues certificates only when konnect runs against Kubernetes; with a manifest folder, create the Secret yourself");
        }
        var hosts = spec.Hosts is { Count: > 0 };
        if (!hosts)
        {
            // Redirect and HSTS are promises about a whole host; a route without hosts would make them for every host on
            // the gateway, its neighbours' too (found by issue #22's hostile manifests: one route redirected them all).
            warnings.Add("spec.tls has no effect without spec.hosts: the HTTPS listener picks a certificate by the SNI host name, and a redirect or HSTS applies to the route's own hosts only");
        }
        CertificateModel? certificate = null;
        RouteProblem? problem = null;
        if (tls.SecretName is { } secret)
        {
            var loaded = certificates.Load(key.Namespace, secret, "spec.tls.secretName");
            (certificate, problem) = (loaded.Certificate, loaded.Problem);
            if (loaded.Warning is { } w) { warnings.Add(w); }
        }
        return new(certificate, problem, warnings, hosts ? Model(tls) : null);
    }

    private static RouteTlsModel? Model(RouteTls tls)
    {
        string? hsts = null;
        if (tls.Hsts is { } settings && Duration.TryParse(settings.MaxAge, out var maxAge))
        {
            hsts = "max-age=" + ((long)maxAge.TotalSeconds).ToString(CultureInfo.InvariantCulture)
                + (settings.IncludeSubDomains == true ? "; includeSubDomains" : "")
                + (settings.Preload == true ? "; preload" : "");
        }
        return tls.Redirect == true || hsts is not null ? new RouteTlsModel { Redirect = tls.Redirect == true, Hsts = hsts } : null;
    }

    /// <summary>
    /// The listener's certificates: each accepted route's hosts map to its certificate, the oldest route first, so a
    /// host two routes name keeps the older route's certificate (as conflicts go to the older route).
    /// </summary>
    /// <param name="anyHost">A Gateway listener's certificate for every host: the fallback when no default certificate is set.</param>
    public static TlsModel? BuildModel(IEnumerable<(ObjectRef Key, IReadOnlyList<string> Hosts, RouteTlsOutcome? Tls)> acceptedOldestFirst,
        TlsTranslationOptions? options, CertificateLoader certificates, CertificateModel? anyHost = null)
    {
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var hostsBySecret = new SortedDictionary<string, (CertificateModel Certificate, SortedSet<string> Hosts)>(StringComparer.Ordinal);
        foreach (var (_, hosts, tls) in acceptedOldestFirst)
        {
            if (tls?.Certificate is not { } certificate) { continue; }
            if (!hostsBySecret.TryGetValue(certificate.Secret, out var entry)) { hostsBySecret[certificate.Secret] = entry = (certificate, new(StringComparer.Ordinal)); }
            foreach (var host in hosts.Where(claimed.Add)) { entry.Hosts.Add(host); }
        }

        CertificateModel? fallback = null;
        string? fallbackProblem = null;
        if (options?.DefaultCertificate is { } name)
        {
            var parts = name.Split('/');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                fallbackProblem = $"default certificate \"{name}\" is not namespace/name";
            }
            else
            {
                var loaded = certificates.Load(parts[0], parts[1], "default certificate");
                (fallback, fallbackProblem) = (loaded.Certificate, loaded.Problem?.Message);
            }
        }
        if (options?.DefaultCertificate is null) { fallback = anyHost; }
        if (hostsBySecret.Count == 0 && fallback is null && fallbackProblem is null) { return null; }
        return new TlsModel
        {
            Certificates = [.. hostsBySecret.Values.Select(e => e.Certificate with { Hosts = [.. e.Hosts] })],
            DefaultCertificate = fallback,
            DefaultCertificateProblem = fallbackProblem,
        };
    }
}
