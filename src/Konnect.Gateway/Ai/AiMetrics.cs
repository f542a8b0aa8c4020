using Konnect.Gateway.Observability.Metrics;
using Konnect.Gateway.Routing;
using Prometheus;
using Konnect.Gateway.Ai.Relay;

namespace Konnect.Gateway.Ai;

/// <summary>
/// The AI gateway's instruments on /metrics: the OpenTelemetry GenAI semantic conventions' metrics, in Prometheus
/// naming (gen_ai.client.token.usage becomes gen_ai_client_token_usage, attributes become labels with '_'), plus
/// Konnect's own token and cost counters per route and consumer. Label values are bounded by configuration: model
/// and provider names come from the policy, consumers from the model (callers without one are "").
/// </summary>
internal sealed class AiMetrics
{
    /// <summary>1 token to 4M: the GenAI conventions' advisory buckets for token usage.</summary>
    private static readonly double[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];
    /// <summary>The conventions' advisory buckets for request duration and time to first token, in seconds.</summary>
    private static readonly double[] DurationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

    private readonly Histogram _tokenUsage;
    private readonly Histogram _duration;
    private readonly Histogram _timeToFirstToken;
    private readonly Counter _tokens;
    private readonly Counter _cost;
    private readonly Counter _guardRefused;

    public AiMetrics(GatewayMetrics gateway)
    {
        var factory = GatewayMetrics.Factory(gateway.Registry);
        string[] genAi = ["gen_ai_operation_name", "gen_ai_provider_name", "gen_ai_request_model", "gen_ai_response_model"];
        _tokenUsage = factory.CreateHistogram("gen_ai_client_token_usage", "Tokens used per AI call, by token type (input, output) (OpenTelemetry GenAI gen_ai.client.token.usage).",
            [.. genAi, "gen_ai_token_type"], new HistogramConfiguration { Buckets = TokenBuckets, SuppressInitialValue = true });
        _duration = factory.CreateHistogram("gen_ai_server_request_duration_seconds", "Time from an AI call's arrival to its last byte, failures included (OpenTelemetry GenAI gen_ai.server.request.duration).",
            [.. genAi, "error_type"], new HistogramConfiguration { Buckets = DurationBuckets, SuppressInitialValue = true });
        _timeToFirstToken = factory.CreateHistogram("gen_ai_server_time_to_first_token_seconds", "Time from an AI call's arrival to its first generated token (OpenTelemetry GenAI gen_ai.server.time_to_first_token).",
            genAi, new HistogramConfiguration { Buckets = DurationBuckets, SuppressInitialValue = true });
        _tokens = factory.CreateCounter("konnect_ai_tokens_total", "Tokens used by AI calls, by route, consumer, model, type (input, output) and whether the gateway estimated them.",
            ["consumer", "estimated", "model", "namespace", "route", "type"], new CounterConfiguration { SuppressInitialValue = true });
        _cost = factory.CreateCounter("konnect_ai_cost_total", "Spend of AI calls in the prices' currency, by route, consumer and model (models without a price count 0).",
            ["consumer", "model", "namespace", "route"], new CounterConfiguration { SuppressInitialValue = true });
        _guardRefused = factory.CreateCounter("konnect_ai_guard_refused_total", "AI calls refused by the prompt guard, by route.", ["namespace", "route"],
            new CounterConfiguration { SuppressInitialValue = true });
    }

    public void GuardRefused(MatchedRoute matched) => _guardRefused.WithLabels(matched.Route.Namespace, matched.Route.Route).Inc();

    public void Record(MatchedRoute matched, AiCall call, string consumer)
    {
        var operation = call.Front == Relay.AiFront.OpenAIEmbeddings ? "embeddings" : "chat";
        var provider = call.ProviderType is { } type ? ProviderName(type) : "";
        var responseModel = call.ResponseModel ?? "";
        _duration.WithLabels(operation, provider, call.RequestedModel, responseModel, call.Error ?? "").Observe(call.Elapsed.TotalSeconds);
        if (call.TimeToFirstToken is { } ttft) { _timeToFirstToken.WithLabels(operation, provider, call.RequestedModel, responseModel).Observe(ttft.TotalSeconds); }
        if (call.Usage is not { } usage) { return; }
        _tokenUsage.WithLabels(operation, provider, call.RequestedModel, responseModel, "input").Observe(usage.Input);
        if (operation == "chat") { _tokenUsage.WithLabels(operation, provider, call.RequestedModel, responseModel, "output").Observe(usage.Output); }
        var who = consumer.StartsWith("ip:", StringComparison.Ordinal) ? "" : consumer;
        var estimated = usage.Estimated ? "true" : "false";
        var model = matched.Route;
        _tokens.WithLabels(who, estimated, call.RequestedModel, model.Namespace, model.Route, "input").Inc(usage.Input);
        _tokens.WithLabels(who, estimated, call.RequestedModel, model.Namespace, model.Route, "output").Inc(usage.Output);
        _cost.WithLabels(who, call.RequestedModel, model.Namespace, model.Route).Inc((double)call.Rule.Cost(call.ProviderModel ?? "", usage));
    }

    /// <summary>gen_ai.provider.name's well-known values.</summary>
    public static string ProviderName(Konnect.Api.V1Alpha1.AiProviderType type) => type switch
    {
        Konnect.Api.V1Alpha1.AiProviderType.OpenAI => "openai",
        Konnect.Api.V1Alpha1.AiProviderType.AzureOpenAI => "azure.ai.openai",
        Konnect.Api.V1Alpha1.AiProviderType.Anthropic => "anthropic",
        Konnect.Api.V1Alpha1.AiProviderType.Gemini => "gcp.gemini",
        _ => "openai_compatible",
    };
}
