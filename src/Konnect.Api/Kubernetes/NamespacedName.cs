namespace Konnect.Api.Kubernetes;

/// <summary>An object of a known kind by namespace and name.</summary>
public readonly record struct NamespacedName(string Namespace, string Name)
{
    public override string ToString() => $"{Namespace}/{Name}";
}
