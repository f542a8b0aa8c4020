namespace Konnect.Api.Kubernetes;

/// <summary>
/// core/v1 ConfigMap. Konnect reads it for an API's OpenAPI document (spec.api.openapi.configMap); in a cluster only
/// ConfigMaps labelled <see cref="OpenApiLabel"/>=true are watched, so the gateway does not hold every ConfigMap.
/// </summary>
public sealed record ConfigMap : IKubernetesObject
{
    /// <summary>The label that makes a ConfigMap visible to Konnect in a cluster (folder mode reads every ConfigMap).</summary>
    public const string OpenApiLabel = "konnect.dev/openapi";

    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "ConfigMap";
    public ObjectMeta Metadata { get; set; } = new();
    public Dictionary<string, string>? Data { get; set; }
    public Dictionary<string, byte[]>? BinaryData { get; set; }

    /// <summary>The text under <paramref name="key"/>: data first, else binaryData read as UTF-8.</summary>
    public string? GetText(string key) =>
        Data is not null && Data.TryGetValue(key, out var text) ? text
        : BinaryData is not null && BinaryData.TryGetValue(key, out var bytes) ? System.Text.Encoding.UTF8.GetString(bytes)
        : null;
}
