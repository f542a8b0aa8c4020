namespace Konnect.Api.Kubernetes;

/// <summary>core/v1 Secret. <see cref="Data"/> is base64 on the wire (as a cluster returns it); <see cref="StringData"/>
/// is the write-only plain form that manifests may use. Values are never logged or echoed: see <see cref="ToString"/>.</summary>
public sealed record Secret : IKubernetesObject
{
    public string ApiVersion { get; set; } = "v1";
    public string Kind { get; set; } = "Secret";
    public ObjectMeta Metadata { get; set; } = new();
    public string? Type { get; set; }
    public Dictionary<string, byte[]>? Data { get; set; }
    public Dictionary<string, string>? StringData { get; set; }

    /// <summary>The value of <paramref name="key"/>, from stringData first (it wins on the API server too), then data.</summary>
    public byte[]? GetValue(string key)
    {
        if (StringData is not null && StringData.TryGetValue(key, out var text))
        {
            return System.Text.Encoding.UTF8.GetBytes(text);
        }
        return Data is not null && Data.TryGetValue(key, out var bytes) ? bytes : null;
    }

    /// <summary>Names the Secret and its keys, never the values.</summary>
    public override string ToString()
    {
        var keys = (Data?.Keys ?? Enumerable.Empty<string>()).Concat(StringData?.Keys ?? Enumerable.Empty<string>()).Distinct().Order(StringComparer.Ordinal);
        return $"Secret {Metadata.Namespace}/{Metadata.Name} (keys: {string.Join(", ", keys)})";
    }
}
