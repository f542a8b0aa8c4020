using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;

namespace Konnect.Model;

/// <summary>Names one object: kind, namespace, name. Ordered so statuses and models come out in a stable order.</summary>
public readonly record struct ObjectRef(string Kind, string Namespace, string Name) : IComparable<ObjectRef>
{
    public static ObjectRef Of(IKubernetesObject obj) => new(obj.Kind, obj.Metadata.Namespace ?? "", obj.Metadata.Name ?? "");

    /// <summary>
    /// "namespace/name": how the model names the object a block came from (a policy block's <c>Policy</c>). A method,
    /// not a property, so that /status (which serialises object references) does not grow a field.
    /// </summary>
    public string ToNamespacedName() => $"{Namespace}/{Name}";

    /// <summary>
    /// The KonnectPolicy a model block names in its <c>Policy</c> field (<see cref="ToNamespacedName"/>, as the
    /// translator writes it); null for a value without a namespace, which names no object that could carry a condition.
    /// </summary>
    public static ObjectRef? ParsePolicy(string namespacedName)
    {
        ArgumentNullException.ThrowIfNull(namespacedName);
        var slash = namespacedName.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? new ObjectRef(KonnectPolicy.KindName, namespacedName[..slash], namespacedName[(slash + 1)..]) : null;
    }

    public int CompareTo(ObjectRef other)
    {
        var c = string.CompareOrdinal(Kind, other.Kind);
        if (c == 0) { c = string.CompareOrdinal(Namespace, other.Namespace); }
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }

    /// <summary>"Kind namespace/name" ("Kind name" for a cluster-scoped kind), the way messages and `konnect validate` name an object.</summary>
    public override string ToString() => Namespace.Length == 0 ? $"{Kind} {Name}" : $"{Kind} {Namespace}/{Name}";
}
