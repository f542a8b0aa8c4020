using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using k8s;
using IKubernetesObject = Konnect.Api.Kubernetes.IKubernetesObject;
using Konnect.Api.Kubernetes;

namespace Konnect.Kubernetes;

/// <summary>
/// One kind Konnect reads from the API server, and how: group, version and plural for the library's generic
/// (custom-objects) list and watch calls, which address core kinds too (an empty group turns "apis//v1" into "api/v1"),
/// and the source-generated JSON of the record the store keeps. The library hands each object over as JSON; Konnect's
/// context decodes it into the same slim records the folder source decodes manifests into, with pooled strings and no
/// reflection. The library's typed models are not kept: measured at 10,000 Services and 10,000 EndpointSlices they held
/// 24.5 MiB where these records hold 15.3 MiB for objects shaped as in <c>make bench</c>, and 75.3 MiB against 28.3 MiB
/// for objects as a real API server returns them (managedFields, last-applied annotations, targetRefs; 46.1 MiB with
/// managedFields dropped), while RSS at rest at 10,000 routes must stay under 200 MiB.
/// </summary>
public sealed class ResourceType<T>(string group, string version, string plural, string kind, JsonTypeInfo<T> typeInfo,
    JsonTypeInfo<ObjectList<T>> listTypeInfo)
    where T : class, IKubernetesObject
{
    public string Group { get; } = group;
    public string Version { get; } = version;
    public string Plural { get; } = plural;
    public string Kind { get; } = kind;

    /// <summary>The record's JSON, as the folder source and the fake API server write it.</summary>
    public JsonTypeInfo<T> TypeInfo { get; } = typeInfo;

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>"/api/v1" for the core group, "/apis/GROUP/VERSION" otherwise.</summary>
    public string GroupPath => Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";

    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>One page of the kind, in <paramref name="ns"/> or every namespace.</summary>
    internal async Task<ObjectList<T>> ListAsync(IKubernetes client, string? ns, ListOptions options, CancellationToken cancellationToken)
    {
        var (continueToken, version, match) = options.Query();
        using var response = ns is null
            ? await client.CustomObjects.ListCustomObjectForAllNamespacesWithHttpMessagesAsync<JsonElement>(Group, Version, Plural,
                continueParameter: continueToken, fieldSelector: options.FieldSelector, labelSelector: options.LabelSelector, limit: options.Limit,
                resourceVersion: version, resourceVersionMatch: match, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await client.CustomObjects.ListNamespacedCustomObjectWithHttpMessagesAsync<JsonElement>(Group, Version, ns, Plural,
                continueParameter: continueToken, fieldSelector: options.FieldSelector, labelSelector: options.LabelSelector, limit: options.Limit,
                resourceVersion: version, resourceVersionMatch: match, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Decode(response.Body, listTypeInfo);
    }

    /// <summary>The library's watch of the kind; ERROR events and undecodable lines go to <paramref name="onError"/>.</summary>
    internal async IAsyncEnumerable<(WatchEventType Type, T Object)> WatchAsync(IKubernetes client, string? ns, WatchOptions options,
        Action<Exception> onError, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = ns is null
            ? client.CustomObjects.WatchListCustomObjectForAllNamespacesAsync(Group, Version, Plural, allowWatchBookmarks: options.AllowWatchBookmarks,
                fieldSelector: options.FieldSelector, labelSelector: options.LabelSelector, resourceVersion: options.ResourceVersion,
                timeoutSeconds: options.TimeoutSeconds, onError: onError, cancellationToken: cancellationToken)
            : client.CustomObjects.WatchListNamespacedCustomObjectAsync(Group, Version, ns, Plural, allowWatchBookmarks: options.AllowWatchBookmarks,
                fieldSelector: options.FieldSelector, labelSelector: options.LabelSelector, resourceVersion: options.ResourceVersion,
                timeoutSeconds: options.TimeoutSeconds, onError: onError, cancellationToken: cancellationToken);
        await foreach (var (type, obj) in events.ConfigureAwait(false))
        {
            yield return (type, Decode(obj, TypeInfo));
        }
    }

    /// <summary>An object the library read as JSON, as this kind's record.</summary>
    internal static TResult Decode<TResult>(object? json, JsonTypeInfo<TResult> typeInfo) =>
        (json is JsonElement { ValueKind: JsonValueKind.Object } element ? element.Deserialize(typeInfo) : default)
            ?? throw new JsonException($"expected a JSON object for {typeInfo.Type.Name}");
}
