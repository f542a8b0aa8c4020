using System.Text.Json.Serialization;

namespace Konnect.Model;

/// <summary>Source-generated JSON for the gateway model and statuses (/config, /status, the translator's change hashes).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    WriteIndented = true)]
[JsonSerializable(typeof(GatewayModel))]
[JsonSerializable(typeof(ConsumerModel))]
[JsonSerializable(typeof(IReadOnlyList<ObjectStatus>))]
public sealed partial class ModelJsonContext : JsonSerializerContext;
