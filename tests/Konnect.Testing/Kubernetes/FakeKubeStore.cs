using System.Globalization;
using System.Text.Json.Nodes;

namespace Konnect.Testing.Kubernetes;

/// <summary>
/// The fake API server's storage: JSON objects per (resource, namespace, name), a global resourceVersion that every
/// write increments (as etcd's revision does), and a bounded history of events that watches resume from.
/// Generic over JSON, so any kind works, Leases and Events included. Every member takes the one lock.
/// </summary>
internal sealed partial class FakeKubeStore(int historyLimit, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _collections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string ApiVersion, string Kind)> _kinds = new(StringComparer.Ordinal);
    private long _resourceVersion;

    public long ResourceVersion
    {
        get { lock (_gate) { return _resourceVersion; } }
    }

    public JsonObject? Get(FakeResource resource, string? ns, string name)
    {
        lock (_gate)
        {
            return Collection(resource).TryGetValue(Key(ns, name), out var obj) ? (JsonObject)obj.DeepClone() : null;
        }
    }

    public JsonObject Create(FakeResource resource, string? ns, JsonObject body)
    {
        lock (_gate)
        {
            var metadata = Metadata(body);
            if (metadata["name"]?.GetValue<string>() is not { Length: > 0 } name)
            {
                name = metadata["generateName"]?.GetValue<string>() is { Length: > 0 } prefix
                    ? prefix + Guid.NewGuid().ToString("N")[..5]
                    : throw new FakeKubeError(422, "Invalid", $"{resource.Plural} \"\" is invalid: metadata.name: Required value: name or generateName is required");
                metadata["name"] = name;
            }
            CheckNamespace(resource, ns, metadata);
            if (Collection(resource).ContainsKey(Key(ns, name)))
            {
                throw new FakeKubeError(409, "AlreadyExists", $"{resource.DisplayName} \"{name}\" already exists");
            }
            var obj = (JsonObject)body.DeepClone();
            var meta = Metadata(obj);
            meta["uid"] = Guid.NewGuid().ToString();
            meta["creationTimestamp"] = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            meta["generation"] = 1;
            // Kinds with a status subresource ignore status on create; it is written through /status only.
            obj.Remove("status");
            return Commit(resource, ns, name, "ADDED", obj);
        }
    }

    /// <summary>PUT: replaces everything but status; 409 when metadata.resourceVersion is set and stale.</summary>
    public JsonObject Replace(FakeResource resource, string? ns, string name, JsonObject body, bool checkResourceVersion = true)
    {
        lock (_gate)
        {
            var old = Existing(resource, ns, name);
            var metadata = Metadata(body);
            CheckNamespace(resource, ns, metadata);
            if (metadata["name"]?.GetValue<string>() is { } bodyName && bodyName != name)
            {
                throw new FakeKubeError(400, "BadRequest", $"the name of the object ({bodyName}) does not match the name on the URL ({name})");
            }
            if (checkResourceVersion)
            {
                CheckResourceVersion(resource, name, old, metadata["resourceVersion"]?.GetValue<string>());
            }
            var updated = (JsonObject)body.DeepClone();
            var meta = Metadata(updated);
            var oldMeta = Metadata(old);
            meta["name"] = name;
            meta["uid"] = oldMeta["uid"]?.DeepClone();
            meta["creationTimestamp"] = oldMeta["creationTimestamp"]?.DeepClone();
            meta["generation"] = oldMeta["generation"]?.DeepClone();
            updated.Remove("status");
            if (old["status"] is { } status)
            {
                updated["status"] = status.DeepClone();
            }
            if (!JsonNode.DeepEquals(WithoutMetadataAndStatus(old), WithoutMetadataAndStatus(updated)))
            {
                // generation counts spec changes only, so controllers can report observedGeneration.
                meta["generation"] = (oldMeta["generation"] is { } generation ? long.Parse(generation.ToJsonString(), CultureInfo.InvariantCulture) : 0) + 1;
            }
            return CommitIfChanged(resource, ns, name, old, updated);
        }
    }

    /// <summary>Merge patch of the status subresource: only status changes, the generation stays.</summary>
    public JsonObject PatchStatus(FakeResource resource, string? ns, string name, JsonObject patch)
    {
        lock (_gate)
        {
            var old = Existing(resource, ns, name);
            CheckResourceVersion(resource, name, old, patch["metadata"]?["resourceVersion"]?.GetValue<string>());
            var patched = (JsonObject)JsonMergePatch.Apply(old.DeepClone(), patch)!;
            var updated = (JsonObject)old.DeepClone();
            updated.Remove("status");
            if (patched["status"] is { } status)
            {
                updated["status"] = status.DeepClone();
            }
            return CommitIfChanged(resource, ns, name, old, updated);
        }
    }

    /// <summary>Merge patch of the main resource: everything but status, as the real server does for such kinds.</summary>
    public JsonObject Patch(FakeResource resource, string? ns, string name, JsonObject patch)
    {
        lock (_gate)
        {
            var old = Existing(resource, ns, name);
            var patched = (JsonObject)JsonMergePatch.Apply(old.DeepClone(), patch)!;
            Metadata(patched)["resourceVersion"] = null;
            return Replace(resource, ns, name, patched, checkResourceVersion: false);
        }
    }

    public JsonObject Delete(FakeResource resource, string? ns, string name)
    {
        lock (_gate)
        {
            var old = Existing(resource, ns, name);
            Collection(resource).Remove(Key(ns, name));
            return Commit(resource, ns, name, "DELETED", (JsonObject)old.DeepClone(), previous: old, remove: true);
        }
    }

    private JsonObject Existing(FakeResource resource, string? ns, string name) =>
        Collection(resource).TryGetValue(Key(ns, name), out var obj) ? obj
            : throw new FakeKubeError(404, "NotFound", $"{resource.DisplayName} \"{name}\" not found");

    private static void CheckResourceVersion(FakeResource resource, string name, JsonObject current, string? expected)
    {
        if (!string.IsNullOrEmpty(expected) && expected != Metadata(current)["resourceVersion"]?.GetValue<string>())
        {
            throw new FakeKubeError(409, "Conflict",
                $"Operation cannot be fulfilled on {resource.DisplayName} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
        }
    }

    private static void CheckNamespace(FakeResource resource, string? ns, JsonObject metadata)
    {
        if (resource.ClusterScoped)
        {
            // As the real server's BeforeCreate and BeforeUpdate: a cluster-scoped object has no namespace, whatever is sent.
            metadata.Remove("namespace");
            return;
        }
        if (metadata["namespace"]?.GetValue<string>() is { Length: > 0 } bodyNamespace && ns is not null && bodyNamespace != ns)
        {
            throw new FakeKubeError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
        }
        if (ns is not null)
        {
            metadata["namespace"] = ns;
        }
    }

    private JsonObject CommitIfChanged(FakeResource resource, string? ns, string name, JsonObject old, JsonObject updated)
    {
        Metadata(updated)["resourceVersion"] = Metadata(old)["resourceVersion"]?.DeepClone();
        // The real server skips no-op writes: same object, same resourceVersion, no watch event.
        return JsonNode.DeepEquals(old, updated) ? (JsonObject)old.DeepClone() : Commit(resource, ns, name, "MODIFIED", updated, previous: old);
    }

    private JsonObject Commit(FakeResource resource, string? ns, string name, string type, JsonObject obj, JsonObject? previous = null, bool remove = false)
    {
        _resourceVersion++;
        Metadata(obj)["resourceVersion"] = _resourceVersion.ToString(CultureInfo.InvariantCulture);
        obj["apiVersion"] ??= resource.ApiVersion;
        if (obj["kind"]?.GetValue<string>() is { Length: > 0 } kind)
        {
            _kinds[resource.Key] = (resource.ApiVersion, kind);
        }
        if (!remove)
        {
            Collection(resource)[Key(ns, name)] = obj;
        }
        Record(resource, ns ?? "", type, obj, previous);
        return (JsonObject)obj.DeepClone();
    }

    private SortedDictionary<string, JsonObject> Collection(FakeResource resource)
    {
        if (!_collections.TryGetValue(resource.Key, out var collection))
        {
            collection = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _collections[resource.Key] = collection;
        }
        return collection;
    }

    /// <summary>Sorted as etcd keys are (/registry/PLURAL/NAMESPACE/NAME), so list order and continue tokens are stable.</summary>
    private static string Key(string? ns, string name) => $"{ns ?? ""}/{name}";

    internal static JsonObject Metadata(JsonObject obj)
    {
        if (obj["metadata"] is JsonObject metadata)
        {
            return metadata;
        }
        metadata = new JsonObject();
        obj["metadata"] = metadata;
        return metadata;
    }

    private static JsonObject WithoutMetadataAndStatus(JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy.Remove("metadata");
        copy.Remove("status");
        return copy;
    }

    private (string ApiVersion, string Kind) KindOf(FakeResource resource) =>
        _kinds.TryGetValue(resource.Key, out var kind) ? kind : (resource.ApiVersion, WellKnownKinds.GetValueOrDefault(resource.Plural, "Unknown"));

    private static readonly Dictionary<string, string> WellKnownKinds = new(StringComparer.Ordinal)
    {
        ["services"] = "Service", ["secrets"] = "Secret", ["endpointslices"] = "EndpointSlice", ["leases"] = "Lease",
        ["events"] = "Event", ["konnectroutes"] = "KonnectRoute", ["konnectpolicies"] = "KonnectPolicy",
        ["konnectconsumers"] = "KonnectConsumer", ["configmaps"] = "ConfigMap", ["namespaces"] = "Namespace",
        ["ingresses"] = "Ingress", ["ingressclasses"] = "IngressClass", ["gatewayclasses"] = "GatewayClass", ["gateways"] = "Gateway",
        ["httproutes"] = "HTTPRoute", ["grpcroutes"] = "GRPCRoute", ["referencegrants"] = "ReferenceGrant",
    };
}
