using System.Text.Json.Serialization;

namespace Konnect.Gateway.Portal;

/// <summary>The JSON catalogue: the APIs the page lists (same filters), and how many there are in all.</summary>
internal sealed record PortalCatalogJson(IReadOnlyList<PortalApi> Apis, int Total);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true, WriteIndented = true)]
[JsonSerializable(typeof(PortalCatalogJson))]
[JsonSerializable(typeof(PortalApi))]
[JsonSerializable(typeof(Konnect.Gateway.Observability.Analytics.AnalyticsReport))]
internal sealed partial class PortalJsonContext : JsonSerializerContext;
