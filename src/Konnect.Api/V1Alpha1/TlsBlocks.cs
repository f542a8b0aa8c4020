using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Konnect.Api.V1Alpha1;

[CelRule("has(self.secretName) || has(self.issuerRef)", "name a secretName, an issuerRef, or both")]
public sealed record RouteTls
{
    [Description("A kubernetes.io/tls Secret (tls.crt, tls.key) in the route's namespace, served for the route's hosts on the HTTPS listener.")]
    [MaxLength(253)]
    public string? SecretName { get; set; }

    [Description("A cert-manager Issuer or ClusterIssuer: in a cluster the leader keeps a Certificate konnect-ROUTE (dnsNames = spec.hosts, owned by the route) issuing into secretName; the CertificateReady condition mirrors it. Needs secretName.")]
    public IssuerReference? IssuerRef { get; set; }

    [Description("Answer plain-HTTP requests for the route's hosts with a 308 redirect to https.")]
    public bool? Redirect { get; set; }

    [Description("Add Strict-Transport-Security to the route's HTTPS responses.")]
    public HstsSettings? Hsts { get; set; }
}

public sealed record IssuerReference
{
    [DefaultValue("Issuer")]
    [RegularExpression("^(Issuer|ClusterIssuer)$")]
    public string Kind { get; set; } = "Issuer";

    [Required, MaxLength(253)]
    public string Name { get; set; } = "";
}

public sealed record HstsSettings
{
    [Description("How long browsers remember to use https only, e.g. 8760h (a year). Whole seconds.")]
    [DefaultValue("8760h"), RegularExpression(Konnect.Api.Duration.Pattern)]
    public string MaxAge { get; set; } = "8760h";

    [Description("Also apply to every subdomain of the host.")]
    public bool? IncludeSubDomains { get; set; }

    [Description("Ask to be included in browsers' preload lists (needs includeSubDomains and a maxAge of a year or more).")]
    public bool? Preload { get; set; }
}

[CelRule("!has(self.insecureSkipVerify) || !self.insecureSkipVerify || !has(self.caSecret)", "insecureSkipVerify and caSecret contradict each other; set one")]
public sealed record BackendTls
{
    [Description("A Secret in the route's namespace whose ca.crt (PEM) is the only trust anchor for the upstream's certificate. Default: the system trust store.")]
    [MaxLength(253)]
    public string? CaSecret { get; set; }

    [Description("The server name sent in SNI and checked against the upstream's certificate (also sent as the Host header). Default: the url's host, or service.namespace.svc for a Service.")]
    [RegularExpression(KonnectGroup.HostnamePattern), MaxLength(253)]
    public string? Sni { get; set; }

    [Description("A kubernetes.io/tls Secret in the route's namespace whose tls.crt/tls.key the gateway presents when the upstream asks for a client certificate (mTLS to the backend). Default: none.")]
    [MaxLength(253)]
    public string? ClientCertificateSecret { get; set; }

    [Description("Accept any upstream certificate. Anyone on the path can then read and change the traffic; the route's status warns while it is set.")]
    public bool? InsecureSkipVerify { get; set; }
}
