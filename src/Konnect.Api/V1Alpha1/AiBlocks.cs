using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Konnect.Api.V1Alpha1;

/// <summary>
/// The AI gateway: a rule whose policies set this block answers the OpenAI Chat Completions, Embeddings and Models
/// APIs and the Anthropic Messages API under its path (e.g. <c>/ai/v1/chat/completions</c>, <c>/ai/v1/messages</c>)
/// itself, sending each call to the provider its <c>model</c> names; the rule's backends are not used.
/// </summary>
[CelRule("self.providers.all(p, self.providers.exists_one(q, q.name == p.name))", "provider names must be unique")]
[CelRule("self.models.all(m, self.models.exists_one(n, n.name == m.name))", "model names must be unique")]
public sealed record AiPolicy
{
    [Description("The model providers this policy may call, with their credentials.")]
    [Required, MinLength(1), MaxLength(16)]
    public List<AiProvider> Providers { get; set; } = [];

    [Description("The model names clients may send, each mapped to providers' models: aliases, weighted splits, fallbacks. A request naming any other model is refused with the list of these names.")]
    [Required, MinLength(1), MaxLength(64)]
    public List<AiModelRoute> Models { get; set; } = [];

    [Description("Output token cap: added as max_tokens to a request that sets none, and lowered to it when a request asks for more. It is also what a quota reserves for the answer. Defaults to 4096.")]
    [Range(1, 1_000_000)]
    public int? MaxTokens { get; set; }

    [Description("Token and spend quotas; a call must fit in every one. Admission reserves the counted prompt tokens plus the output cap, and the reservation is settled to the provider's reported usage, so concurrent calls cannot overshoot.")]
    [MaxLength(8)]
    public List<AiQuota>? Quotas { get; set; }

    [Description("Prices per million tokens, by the provider's model name, for spend quotas and the cost metrics.")]
    [MaxLength(64)]
    public List<AiPrice>? Prices { get; set; }

    [Description("Turns the rule into a prompt API: a plain JSON request's fields fill a chat template, and the answer is the completion or only its text.")]
    public AiPrompt? Prompt { get; set; }

    [Description("Allow and deny patterns on the prompt's messages, and masking of what must not leave (e-mail addresses, card numbers, your own patterns).")]
    public AiGuard? Guard { get; set; }
}

[CelRule("self.type != 'AzureOpenAI' || has(self.baseUrl)", "an AzureOpenAI provider needs baseUrl: https://<resource>.openai.azure.com")]
[CelRule("self.type != 'OpenAICompatible' || has(self.baseUrl)", "an OpenAICompatible provider needs baseUrl, e.g. http://vllm.models:8000/v1")]
[CelRule("has(self.secretName) || !has(self.secretKeys)", "secretKeys needs secretName")]
public sealed record AiProvider
{
    [Description("The provider's name in this policy, used by models[].targets.")]
    [Required, RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), MaxLength(63)]
    public string Name { get; set; } = "";

    [Description("The provider's API: OpenAI, AzureOpenAI (deployments, api-key header), Anthropic (Messages), Gemini (generateContent) or OpenAICompatible (vLLM, Ollama, LM Studio, hosted vendors speaking OpenAI's API).")]
    [Required]
    public AiProviderType Type { get; set; }

    [Description("The API's base address. Defaults: OpenAI https://api.openai.com/v1, Anthropic https://api.anthropic.com, Gemini https://generativelanguage.googleapis.com/v1beta. Required for AzureOpenAI and OpenAICompatible.")]
    [RegularExpression("^https?://[^\\s/?#]+(/[^\\s?#]*)?$"), MaxLength(2048)]
    public string? BaseUrl { get; set; }

    [Description("The Secret, in the policy's namespace, holding the provider's API keys. Optional only for OpenAICompatible servers that need no key.")]
    [RegularExpression("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"), MaxLength(253)]
    public string? SecretName { get; set; }

    [Description("Keys of the Secret holding API keys, used in turn; a key that gets a 429 rests for its Retry-After (or keyCooldown). Defaults to [api-key].")]
    [MaxLength(16)]
    public List<string>? SecretKeys { get; set; }

    [Description("AzureOpenAI's api-version query parameter. Defaults to 2024-10-21. The deployment is the target's model.")]
    [RegularExpression("^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?$")]
    public string? ApiVersion { get; set; }

    [Description("How long the provider may take to send its first byte before the call fails over to the next target (and, without one, answers 504). Defaults to 60s.")]
    [RegularExpression(Duration.Pattern)]
    public string? Timeout { get; set; }

    [Description("How long a key rests after a 429 that carries no Retry-After. Defaults to 30s.")]
    [RegularExpression(Duration.Pattern)]
    public string? KeyCooldown { get; set; }
}

[JsonConverter(typeof(JsonStringEnumConverter<AiProviderType>))]
public enum AiProviderType { OpenAI, AzureOpenAI, Anthropic, Gemini, OpenAICompatible }

public sealed record AiModelRoute
{
    [Description("The model name clients send, e.g. fast or gpt-4o-mini.")]
    [Required, MinLength(1), MaxLength(128), RegularExpression("^[A-Za-z0-9][-A-Za-z0-9_.:/@]*$")]
    public string Name { get; set; } = "";

    [Description("Where calls go; one is chosen per call by weight.")]
    [Required, MinLength(1), MaxLength(16)]
    public List<AiTarget> Targets { get; set; } = [];

    [Description("Tried in order when the chosen target fails before its first byte reached the client: connection failure, timeout, 429 or 5xx.")]
    [MaxLength(8)]
    public List<AiTarget>? Fallbacks { get; set; }
}

public sealed record AiTarget
{
    [Description("A provider of this policy, by name.")]
    [Required, RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"), MaxLength(63)]
    public string Provider { get; set; } = "";

    [Description("The provider's model (for AzureOpenAI the deployment). Defaults to the name the client sent.")]
    [MaxLength(256)]
    public string? Model { get; set; }

    [Description("Relative share of calls among targets; 0 sends none. Fallbacks ignore it.")]
    [DefaultValue(1), Range(0, 10000)]
    public int Weight { get; set; } = 1;
}

[CelRule("has(self.tokens) != has(self.cost)", "set exactly one of tokens or cost")]
[CelRule("!has(self.tokens) || self.period != 'month'", "a token quota's period is minute, hour or day")]
[CelRule("!has(self.cost) || self.period == 'month'", "a cost quota's period is month")]
public sealed record AiQuota
{
    [Description("What is counted separately: consumer (callers without one by client address), consumerGroup (each group of the consumer has its own count, and a call must fit in all of them), route (all callers of the rule) or model (per model name the client sent). Defaults to consumer.")]
    [DefaultValue(AiQuotaKey.Consumer)]
    public AiQuotaKey Key { get; set; } = AiQuotaKey.Consumer;

    [Description("The calendar window (UTC) the count covers: minute, hour or day for tokens, month for cost.")]
    [Required]
    public AiQuotaPeriod Period { get; set; }

    [Description("Input plus output tokens per period.")]
    [Range(1, 1_000_000_000_000)]
    public long? Tokens { get; set; }

    [Description("Spend per month in the prices' currency, e.g. \"25.00\".")]
    [RegularExpression(AiPrice.AmountPattern)]
    public string? Cost { get; set; }

    [Description("local counts in each gateway pod; cluster shares the counts through the Redis of konnect run --redis. Defaults to local.")]
    [DefaultValue(RateLimitScope.Local)]
    public RateLimitScope Scope { get; set; } = RateLimitScope.Local;
}

[JsonConverter(typeof(JsonStringEnumConverter<AiQuotaKey>))]
public enum AiQuotaKey
{
    [JsonStringEnumMemberName("consumer")] Consumer,
    [JsonStringEnumMemberName("consumerGroup")] ConsumerGroup,
    [JsonStringEnumMemberName("route")] Route,
    [JsonStringEnumMemberName("model")] Model,
}

[JsonConverter(typeof(JsonStringEnumConverter<AiQuotaPeriod>))]
public enum AiQuotaPeriod
{
    [JsonStringEnumMemberName("minute")] Minute,
    [JsonStringEnumMemberName("hour")] Hour,
    [JsonStringEnumMemberName("day")] Day,
    [JsonStringEnumMemberName("month")] Month,
}

public sealed record AiPrice
{
    public const string AmountPattern = "^[0-9]{1,9}(\\.[0-9]{1,6})?$";

    [Description("The provider's model name, as in targets[].model.")]
    [Required, MinLength(1), MaxLength(256)]
    public string Model { get; set; } = "";

    [Description("Price per million input (prompt) tokens, e.g. \"0.15\".")]
    [Required, RegularExpression(AmountPattern)]
    public string Input { get; set; } = "";

    [Description("Price per million output (completion) tokens, e.g. \"0.60\".")]
    [Required, RegularExpression(AmountPattern)]
    public string Output { get; set; } = "";
}
