using System.Text.Json.Serialization;
using Konnect.Controller.Translation;

namespace Konnect.Controller.Model;

/// <summary>Source-generated JSON for the gateway model and statuses (/config, golden files, `konnect validate -o json`).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    WriteIndented = true)]
[JsonSerializable(typeof(GatewayModel))]
[JsonSerializable(typeof(ConsumerModel))]
[JsonSerializable(typeof(TranslationResult))]
[JsonSerializable(typeof(IReadOnlyList<ObjectStatus>))]
public sealed partial class ModelJsonContext : JsonSerializerContext;
