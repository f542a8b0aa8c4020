using Konnect.Api.Kubernetes;

namespace Konnect.Model;

/// <summary>Names one object: kind, namespace, name. Ordered so statuses and models come out in a stable order.</summary>
public readonly record struct ObjectRef(string Kind, string Namespace, string Name) : IComparable<ObjectRef>
{
    public static ObjectRef Of(IKubernetesObject obj) => new(obj.Kind, obj.Metadata.Namespace ?? "", obj.Metadata.Name ?? "");

    public int CompareTo(ObjectRef other)
    {
        var c = string.CompareOrdinal(Kind, other.Kind);
        if (c == 0) { c = string.CompareOrdinal(Namespace, other.Namespace); }
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }

    /// <summary>"Kind namespace/name", the way messages and `konnect validate` name an object.</summary>
    public override string ToString() => $"{Kind} {Namespace}/{Name}";
}
