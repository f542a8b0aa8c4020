using System.Diagnostics;
using System.Text.Json.Nodes;
using Konnect.Gateway.Ai.Relay;
using Konnect.Model;
using Konnect.Gateway.Ai.Formats;
using Konnect.Gateway.Ai.Providers;

namespace Konnect.Gateway.Ai.Relay;

/// <summary>One AI call as it goes: what was asked, where it went, what it used. Metrics and the access log read it.</summary>
internal sealed class AiCall(AiRule rule, AiFront front, JsonObject request, string requestedModel, AiModelRouteModel route)
{
    public long Started { get; } = Stopwatch.GetTimestamp();
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(Started);
    public AiRule Rule { get; } = rule;
    public AiFront Front { get; } = front;
    /// <summary>The call in the hub format (an OpenAI chat or embeddings request), guard and cap applied.</summary>
    public JsonObject Request { get; } = request;
    public string RequestedModel { get; } = requestedModel;
    public AiModelRouteModel Route { get; } = route;
    public bool Stream { get; init; }
    /// <summary>The client asked for the usage chunk (stream_options.include_usage); the gateway always asks the provider.</summary>
    public bool ClientWantsUsage { get; init; }
    /// <summary>The output cap the call was given.</summary>
    public int MaxTokens { get; set; }
    /// <summary>
    /// Counts the prompt with the tokenizer; set by the exchange. Taken only when the count is needed (a quota close to
    /// its limit, a provider that reports no usage), since it costs 0.1–0.7 ms per 1,000 tokens.
    /// </summary>
    public Func<long>? CountInput { get; init; }

    /// <summary>Prompt tokens as the gateway counts them: counted on first use, then kept.</summary>
    public long InputTokens => _inputTokens ??= CountInput?.Invoke() ?? 0;

    /// <summary>True once <see cref="InputTokens"/> was counted (the access log and tests see whether the count was needed).</summary>
    public bool InputCounted => _inputTokens is not null;

    private long? _inputTokens;
    public string? Provider { get; set; }
    public Konnect.Api.V1Alpha1.AiProviderType? ProviderType { get; set; }
    public string? ProviderModel { get; set; }
    /// <summary>The model the provider says answered (e.g. a dated version of the alias).</summary>
    public string? ResponseModel { get; set; }
    public TokenUsage? Usage { get; set; }
    public TimeSpan? TimeToFirstToken { get; set; }
    public int Attempts { get; set; }
    /// <summary>Why the call failed, once it has; null while it goes well.</summary>
    public string? Error { get; set; }
}
