using Konnect.Api.GatewayApi;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// Whether a ReferenceGrant in the target's namespace lets an object of (group, kind) in another namespace refer to
/// the target: a reference across namespaces without one is refused (RefNotPermitted), as the Gateway API requires.
/// </summary>
internal static class ReferenceGrants
{
    public static bool Permit(ResourceSnapshot snapshot, string fromGroup, string fromKind, string fromNamespace,
        string toGroup, string toKind, string toNamespace, string toName)
    {
        if (fromNamespace == toNamespace) { return true; }
        foreach (var (key, grant) in snapshot.ReferenceGrants)
        {
            if (key.Namespace != toNamespace) { continue; }
            var from = (grant.Spec.From ?? []).Any(f => f.Group == fromGroup && f.Kind == fromKind && f.Namespace == fromNamespace);
            var to = (grant.Spec.To ?? []).Any(t => t.Group == toGroup && t.Kind == toKind && (string.IsNullOrEmpty(t.Name) || t.Name == toName));
            if (from && to) { return true; }
        }
        return false;
    }
}
