using Konnect.Api.Kubernetes;
using Konnect.Model;

namespace Konnect.Controller.Translation.Ingresses;

/// <summary>
/// How the routes an Ingress becomes are named: one per host, (Ingress, namespace, NAME:HOST), and NAME:* for the
/// rules without a host and spec.defaultBackend. ':' is in no Kubernetes object name, so these never collide with
/// an object's own key.
/// </summary>
public static class IngressParts
{
    /// <summary>Stands for "no host" in a part's name.</summary>
    public const string AnyHost = "*";

    public static ObjectRef Key(ObjectRef ingress, string host) => new(Ingress.KindName, ingress.Namespace, $"{ingress.Name}:{host}");

    /// <summary>The Ingress a part's key names; null for any other key.</summary>
    public static ObjectRef? IngressOf(ObjectRef key) =>
        key.Kind == Ingress.KindName && key.Name.IndexOf(':', StringComparison.Ordinal) is var colon and > 0
            ? new ObjectRef(Ingress.KindName, key.Namespace, key.Name[..colon]) : null;
}
