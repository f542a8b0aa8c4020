using System.Text.Json.Nodes;
using Konnect.Api.Kubernetes;

namespace Konnect.Api.CertManager;

/// <summary>The cert-manager API group Konnect writes Certificates to (cert-manager.io/v1).</summary>
public static class CertManagerGroup
{
    public const string Group = "cert-manager.io";
    public const string Version = "v1";
    public const string ApiVersion = Group + "/" + Version;
}

/// <summary>
/// cert-manager.io/v1 Certificate: the subset Konnect writes (spec) and reads back (status.conditions). Fields cert-manager
/// itself adds to spec are not modelled, so Konnect only ever compares and writes the fields it owns.
/// </summary>
public sealed record Certificate : IKubernetesObject
{
    public const string KindName = "Certificate";

    public string ApiVersion { get; set; } = CertManagerGroup.ApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();
    public CertificateSpec Spec { get; set; } = new();
    public CertificateStatus? Status { get; set; }

    /// <summary>The Ready condition cert-manager maintains, if any yet.</summary>
    public CertificateCondition? Ready => Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
}

public sealed record CertificateSpec
{
    public List<string> DnsNames { get; set; } = [];
    public string SecretName { get; set; } = "";
    public CertManagerIssuerRef IssuerRef { get; set; } = new();
}

/// <summary>cert-manager's ObjectReference to an Issuer or ClusterIssuer.</summary>
public sealed record CertManagerIssuerRef
{
    public string Name { get; set; } = "";
    public string? Kind { get; set; }
    public string? Group { get; set; }
}

public sealed record CertificateStatus
{
    public List<CertificateCondition>? Conditions { get; set; }
}

/// <summary>cert-manager's condition: like metav1.Condition, but reason is optional and times are its own.</summary>
public sealed record CertificateCondition
{
    public string Type { get; set; } = "";
    /// <summary>"True", "False" or "Unknown".</summary>
    public string Status { get; set; } = "Unknown";
    public string? Reason { get; set; }
    public string? Message { get; set; }
    public long? ObservedGeneration { get; set; }
}

/// <summary>cert-manager.io/v1 Issuer: Konnect only names it, so its spec (acme, ca, selfSigned, ...) stays untyped.</summary>
public sealed record Issuer : IKubernetesObject
{
    public string ApiVersion { get; set; } = CertManagerGroup.ApiVersion;
    public string Kind { get; set; } = "Issuer";
    public ObjectMeta Metadata { get; set; } = new();
    public JsonObject? Spec { get; set; }
    public CertificateStatus? Status { get; set; }
}

/// <summary>cert-manager.io/v1 ClusterIssuer: an Issuer usable from every namespace.</summary>
public sealed record ClusterIssuer : IKubernetesObject
{
    public string ApiVersion { get; set; } = CertManagerGroup.ApiVersion;
    public string Kind { get; set; } = "ClusterIssuer";
    public ObjectMeta Metadata { get; set; } = new();
    public JsonObject? Spec { get; set; }
    public CertificateStatus? Status { get; set; }
}
