namespace Konnect.Testing.Kubernetes;

/// <summary>
/// One request as RBAC sees it: API group ("" for core), resource with its subresource ("konnectroutes/status"),
/// verb, and namespace (null for a request across every namespace).
/// </summary>
public sealed record FakeKubeAccess(string Group, string Resource, string Verb, string? Namespace);

public sealed partial class FakeKubeApiServer
{
    /// <summary>
    /// Every request this server received, as the (group, resource, verb, namespace) an authorizer would check: the
    /// verbs follow the API server's mapping of methods (GET with a name is get, without is list, with watch=true is
    /// watch; POST create, PUT update, PATCH patch, DELETE delete or deletecollection). Paths it cannot route are left out.
    /// </summary>
    public IReadOnlyList<FakeKubeAccess> Accesses => [.. _requests.Select(ToAccess).OfType<FakeKubeAccess>().Distinct()];

    private static FakeKubeAccess? ToAccess(FakeKubeRequest request)
    {
        if (!FakeResource.TryParse(request.Path, out var target)) { return null; }
        var watch = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(request.Query).TryGetValue("watch", out var w) && w is ["true"] or ["1"];
        var verb = (request.Method, target.Name is null) switch
        {
            ("GET", true) => watch ? "watch" : "list",
            ("GET", false) => "get",
            ("POST", _) => "create",
            ("PUT", _) => "update",
            ("PATCH", _) => "patch",
            ("DELETE", true) => "deletecollection",
            ("DELETE", false) => "delete",
            _ => request.Method.ToLowerInvariant(),
        };
        var resource = target.Subresource is null ? target.Resource.Plural : $"{target.Resource.Plural}/{target.Subresource}";
        return new FakeKubeAccess(target.Resource.Group, resource, verb, target.Namespace);
    }
}
