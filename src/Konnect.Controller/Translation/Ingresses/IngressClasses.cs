using Konnect.Api.Kubernetes;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Translation.Ingresses;

/// <summary>
/// Which Ingresses are Konnect's: those whose class (spec.ingressClassName, else the older kubernetes.io/ingress.class
/// annotation) names an IngressClass with spec.controller konnect.dev/ingress-controller, and those naming no class when
/// one of Konnect's classes is marked the default. Every other Ingress belongs to another controller and is left alone,
/// with no status and no Event, as the Ingress specification asks of controllers.
/// </summary>
internal static class IngressClasses
{
    public static bool IsKonnects(Ingress ingress, ResourceSnapshot snapshot)
    {
        var className = ingress.Spec.IngressClassName
            ?? (ingress.Metadata.Annotations?.TryGetValue(Ingress.ClassAnnotation, out var annotated) == true ? annotated : null);
        if (!string.IsNullOrEmpty(className))
        {
            return snapshot.IngressClasses.TryGetValue(new ObjectRef(IngressClass.KindName, "", className), out var named) && IsKonnect(named);
        }
        foreach (var ingressClass in snapshot.IngressClasses.Values)
        {
            if (IsKonnect(ingressClass) && IsDefault(ingressClass)) { return true; }
        }
        return false;
    }

    private static bool IsKonnect(IngressClass ingressClass) =>
        string.Equals(ingressClass.Spec.Controller, IngressClass.KonnectController, StringComparison.Ordinal);

    private static bool IsDefault(IngressClass ingressClass) =>
        ingressClass.Metadata.Annotations?.TryGetValue(IngressClass.DefaultAnnotation, out var value) == true
        && string.Equals(value, "true", StringComparison.OrdinalIgnoreCase);
}
