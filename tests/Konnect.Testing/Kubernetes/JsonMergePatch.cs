using System.Text.Json.Nodes;

namespace Konnect.Testing.Kubernetes;

/// <summary>RFC 7386 JSON merge patch: objects merge recursively, null removes a member, anything else replaces.</summary>
public static class JsonMergePatch
{
    public static JsonNode? Apply(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
                continue;
            }
            var existing = result[name];
            var merged = Apply(existing, value);
            // Objects are merged in place; assigning the same node back would fail (it already has a parent).
            if (!ReferenceEquals(merged, existing))
            {
                result[name] = merged;
            }
        }
        return result;
    }
}
