using System.Text.Json.Serialization;
using Konnect.Model;

namespace Konnect.Gateway.Resilience;

/// <summary>Retry and breaker settings travel in YARP cluster metadata (strings), so the cluster's client is rebuilt exactly when they change.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RetryModel))]
[JsonSerializable(typeof(CircuitBreakerModel))]
internal sealed partial class ResilienceJsonContext : JsonSerializerContext;
