using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Api.Json;
using Konnect.Api.CertManager;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Status;

/// <summary>What one route with spec.tls.issuerRef asks of cert-manager: the Certificate to create, or why none can be.</summary>
internal sealed record CertificatePlan(ObjectRef Route, ObjectRef CertificateRef, Certificate? Desired, Condition? Problem);

/// <summary>
/// The pure half of the <see cref="CertificateWriter"/>: the Certificate each route should own, whether an existing one
/// already matches, and the route's CertificateReady condition mirrored from the Certificate's Ready condition.
/// </summary>
internal static class CertificatePlanner
{
    public const string ConditionType = "CertificateReady";

    /// <summary>The Certificate's name: one per route, so two routes never fight over one.</summary>
    public static string CertificateName(string route) => "konnect-" + route;

    public static CertificatePlan? Plan(KonnectRoute route)
    {
        if (route.Spec.Tls is not { IssuerRef: { } issuer } tls) { return null; }
        var routeRef = ObjectRef.Of(route);
        var certRef = new ObjectRef(Certificate.KindName, routeRef.Namespace, CertificateName(routeRef.Name));
        if (tls.SecretName is not { Length: > 0 } secret)
        {
            return new(routeRef, certRef, null, False("SecretNameRequired",
                "spec.tls.issuerRef needs spec.tls.secretName: the Secret cert-manager writes and the HTTPS listener serves"));
        }
        var hosts = (route.Spec.Hosts ?? []).Select(h => h.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (hosts.Count == 0)
        {
            return new(routeRef, certRef, null, False("NoHosts", "spec.tls.issuerRef needs spec.hosts: they are the certificate's dnsNames"));
        }
        var desired = new Certificate
        {
            Metadata = new ObjectMeta
            {
                Name = certRef.Name,
                Namespace = certRef.Namespace,
                Labels = new() { ["app.kubernetes.io/managed-by"] = "konnect" },
                OwnerReferences = [Owner(route)],
            },
            Spec = new CertificateSpec
            {
                DnsNames = hosts,
                SecretName = secret,
                IssuerRef = new CertManagerIssuerRef { Name = issuer.Name, Kind = issuer.Kind, Group = CertManagerGroup.Group },
            },
        };
        return new(routeRef, certRef, desired, null);
    }

    /// <summary>The route as the Certificate's controller: deleting the route lets the garbage collector delete it.</summary>
    public static OwnerReference Owner(KonnectRoute route) => new()
    {
        ApiVersion = KonnectGroup.ApiVersion,
        Kind = KonnectRoute.KindName,
        Name = route.Metadata.Name ?? "",
        Uid = route.Metadata.Uid ?? "",
        Controller = true,
        BlockOwnerDeletion = true,
    };

    /// <summary>True when <paramref name="existing"/> is controlled by the route (same uid), so Konnect may change it.</summary>
    public static bool OwnedBy(Certificate existing, KonnectRoute route) =>
        existing.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Kind == KonnectRoute.KindName && o.Uid == route.Metadata.Uid) == true;

    /// <summary>True when the fields Konnect owns already have the desired values.</summary>
    public static bool Matches(Certificate existing, Certificate desired) =>
        existing.Spec.DnsNames.SequenceEqual(desired.Spec.DnsNames)
        && existing.Spec.SecretName == desired.Spec.SecretName
        && existing.Spec.IssuerRef.Name == desired.Spec.IssuerRef.Name
        && (existing.Spec.IssuerRef.Kind ?? "Issuer") == desired.Spec.IssuerRef.Kind
        && (existing.Spec.IssuerRef.Group ?? CertManagerGroup.Group) == desired.Spec.IssuerRef.Group;

    /// <summary>A merge patch setting exactly Konnect's fields: lists (dnsNames, ownerReferences) are replaced whole.</summary>
    public static JsonObject SpecPatch(Certificate desired) => new()
    {
        ["metadata"] = new JsonObject
        {
            ["ownerReferences"] = JsonSerializer.SerializeToNode(desired.Metadata, KonnectJsonContext.Default.ObjectMeta)!["ownerReferences"]!.DeepClone(),
        },
        ["spec"] = JsonSerializer.SerializeToNode(desired.Spec, KonnectJsonContext.Default.CertificateSpec),
    };

    /// <summary>The route's CertificateReady condition, mirroring the Certificate's Ready condition.</summary>
    public static Condition Mirror(Certificate? existing, string certificateName)
    {
        if (existing is null)
        {
            return False("CertificatePending", $"Certificate {certificateName} is being created");
        }
        if (existing.Ready is not { } ready)
        {
            return Unknown("CertificatePending", $"Certificate {certificateName}: cert-manager has not reported Ready yet");
        }
        var message = $"Certificate {certificateName}: {ready.Message ?? ready.Reason ?? ready.Status}";
        return ready.Status switch
        {
            "True" => new Condition { Type = ConditionType, Status = "True", Reason = "Ready", Message = message },
            "False" => False(ready.Reason ?? "NotReady", message),
            _ => Unknown(ready.Reason ?? "CertificatePending", message),
        };
    }

    public static Condition CertManagerMissing() => False("CertManagerNotInstalled",
        "spec.tls.issuerRef: cert-manager is not installed in this cluster (certificates.cert-manager.io is not served); install it, or create the Secret yourself");

    public static Condition NotOwned(string certificateName) => False("CertificateConflict",
        $"Certificate {certificateName} exists and is not controlled by this route: Konnect leaves it alone; delete or rename it");

    public static Condition False(string reason, string message) => new() { Type = ConditionType, Status = "False", Reason = reason, Message = message };

    private static Condition Unknown(string reason, string message) => new() { Type = ConditionType, Status = "Unknown", Reason = reason, Message = message };
}
