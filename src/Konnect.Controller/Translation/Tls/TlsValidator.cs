using System.Text.RegularExpressions;
using Konnect.Api;
using Konnect.Api.V1Alpha1;

namespace Konnect.Controller.Translation.Tls;

/// <summary>What the CRD schema checks on spec.tls and backends[].tls, for folder mode, plus the contradictions it cannot see.</summary>
internal static class TlsValidator
{
    private static readonly Regex Hostname = new(KonnectGroup.HostnamePattern, RegexOptions.CultureInvariant);

    public static RouteProblem? Validate(KonnectRouteSpec spec)
    {
        if (spec.Tls is { } tls)
        {
            if (tls.SecretName is null && tls.IssuerRef is null)
            {
                return new(Reasons.InvalidSpec, "spec.tls: name a secretName (a kubernetes.io/tls Secret), an issuerRef, or both");
            }
            if (tls.SecretName is { Length: 0 or > 253 })
            {
                return new(Reasons.InvalidSpec, $"spec.tls.secretName: \"{tls.SecretName}\" is not a Secret name");
            }
            if (tls.Hsts is { } hsts && (!Duration.TryParse(hsts.MaxAge, out var maxAge) || maxAge.Ticks % TimeSpan.TicksPerSecond != 0))
            {
                return new(Reasons.InvalidSpec, $"spec.tls.hsts.maxAge: \"{hsts.MaxAge}\" is not a duration in whole seconds such as 8760h or 300s");
            }
        }
        for (var r = 0; r < spec.Rules.Count; r++)
        {
            var backends = spec.Rules[r].Backends ?? [];
            for (var b = 0; b < backends.Count; b++)
            {
                if (ValidateBackend(backends[b], $"spec.rules[{r}].backends[{b}]") is { } problem) { return problem; }
            }
            // One rule is one proxy cluster with one TLS client, so its https backends share one trust setting.
            if (backends.Where(b => b.Tls is not null).Select(b => (b.Tls!.CaSecret, b.Tls.InsecureSkipVerify == true, b.Tls.ClientCertificateSecret)).Distinct().Count() > 1)
            {
                return new(Reasons.InvalidBackend, $"spec.rules[{r}].backends: every tls block of one rule needs the same caSecret, insecureSkipVerify and clientCertificateSecret (split the backends into two rules)");
            }
        }
        return null;
    }

    private static RouteProblem? ValidateBackend(RouteBackend backend, string at)
    {
        if (backend.Tls is not { } tls) { return null; }
        if (backend.Url is { } url && url.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            return new(Reasons.InvalidBackend, $"{at}.tls: the url is http://; write https:// to reach it over TLS, or remove tls");
        }
        if (tls.InsecureSkipVerify == true && tls.CaSecret is not null)
        {
            return new(Reasons.InvalidBackend, $"{at}.tls: insecureSkipVerify and caSecret contradict each other; set one");
        }
        if (tls.Sni is { } sni && (sni.Length > 253 || sni.StartsWith("*.", StringComparison.Ordinal) || !Hostname.IsMatch(sni)))
        {
            return new(Reasons.InvalidBackend, $"{at}.tls.sni: \"{sni}\" is not a host name");
        }
        if (tls.ClientCertificateSecret is { Length: 0 or > 253 })
        {
            return new(Reasons.InvalidBackend, $"{at}.tls.clientCertificateSecret: \"{tls.ClientCertificateSecret}\" is not a Secret name");
        }
        return tls.CaSecret is { Length: 0 or > 253 } ? new(Reasons.InvalidBackend, $"{at}.tls.caSecret: \"{tls.CaSecret}\" is not a Secret name") : null;
    }
}
