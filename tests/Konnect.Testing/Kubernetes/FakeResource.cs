using System.Text.Json.Nodes;

namespace Konnect.Testing.Kubernetes;

/// <summary>A collection on the fake API server, parsed from a request path the way the real server routes it.</summary>
internal sealed record FakeResource(string Group, string Version, string Plural)
{
    public string GroupPath => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";
    public string Key => $"{GroupPath}/{Plural}";
    /// <summary>How the API server names a resource in messages: "services", "konnectroutes.konnect.dev".</summary>
    public string DisplayName => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>
    /// A kind without namespaces, as the real server serves it: only at /apis/GROUP/VERSION/PLURAL (under
    /// namespaces/NS it is not found), and a metadata.namespace sent with it is dropped.
    /// </summary>
    public bool ClusterScoped => Plural is "ingressclasses" or "namespaces" or "gatewayclasses";

    /// <summary>Whether the kind has a status subresource (an IngressClass and a ReferenceGrant have none: their /status is not found).</summary>
    public bool HasStatus => Plural is not ("ingressclasses" or "referencegrants");

    public static FakeResource FromCollectionPath(string collectionPath) =>
        TryParse(collectionPath, out var request) && request.Name is null ? request.Resource
            : throw new ArgumentException($"'{collectionPath}' is not a collection path like /api/v1/services or /apis/GROUP/VERSION/PLURAL.");

    /// <summary>
    /// /api/v1/[namespaces/NS/]PLURAL[/NAME[/SUBRESOURCE]] or /apis/GROUP/VERSION/[namespaces/NS/]PLURAL[/NAME[/SUBRESOURCE]].
    /// A namespaced collection read without namespaces/NS lists all namespaces.
    /// </summary>
    public static bool TryParse(string path, out FakeRequestTarget target)
    {
        target = default;
        var segments = path.Trim('/').Split('/');
        int rest;
        FakeResource? resource;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            rest = 2;
            resource = new FakeResource("", segments[1], "");
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            rest = 3;
            resource = new FakeResource(segments[1], segments[2], "");
        }
        else
        {
            return false;
        }
        string? ns = null;
        if (segments.Length - rest >= 3 && segments[rest] == "namespaces")
        {
            ns = segments[rest + 1];
            rest += 2;
        }
        var tail = segments[rest..];
        if (tail.Length is 0 or > 3 || tail.Any(s => s.Length == 0))
        {
            return false;
        }
        target = new FakeRequestTarget(resource with { Plural = tail[0] }, ns, tail.Length > 1 ? tail[1] : null, tail.Length > 2 ? tail[2] : null);
        return true;
    }
}

internal readonly record struct FakeRequestTarget(FakeResource Resource, string? Namespace, string? Name, string? Subresource);

/// <summary>An answer the store refuses with, sent as a meta/v1 Status body.</summary>
internal sealed class FakeKubeError(int code, string reason, string message) : Exception(message)
{
    public int Code { get; } = code;
    public string Reason { get; } = reason;

    public JsonObject ToStatus() => Status(Code, Reason, Message);

    public static JsonObject Status(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };
}
