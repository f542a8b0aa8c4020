using Konnect.Api.Kubernetes;

namespace Konnect.Controller.Store;

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

/// <summary>Where an object came from in folder mode, for `konnect validate` and error messages.</summary>
public sealed record SourceLocation(string File, int Line)
{
    public override string ToString() => $"{File}:{Line}";
}

/// <summary>An object a source could read far enough to name, but not decode (a wrong type, an unknown enum value).</summary>
public sealed record InvalidObject(ObjectRef Object, string Reason, string Message);

/// <summary>
/// A whole file (or document) that could not be read; its last good content is still in use, if it had any.
/// A warning (a kind Konnect does not read) is reported but never fails `konnect validate`.
/// </summary>
public sealed record SourceProblem(SourceLocation Location, string Message, bool IsWarning = false);
