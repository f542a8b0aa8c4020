using System.Text.Json.Serialization;

namespace Konnect.Controller;

/// <summary>Source-generated JSON for a whole translation (golden files, tests): the model and every status (and a model alone), with the
/// same settings as the model's own <see cref="Konnect.Model.ModelJsonContext"/>.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    WriteIndented = true)]
[JsonSerializable(typeof(TranslationResult))]
[JsonSerializable(typeof(Konnect.Model.GatewayModel))]
public sealed partial class TranslationJsonContext : JsonSerializerContext;
