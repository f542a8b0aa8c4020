using System.Text.Json.Serialization;
using Konnect.Api.V1Alpha1;

namespace Konnect.Model;

/// <summary>
/// A validated ai block: the rule answers the AI APIs itself. Provider keys come from Secrets and are never serialised
/// (/config shows <see cref="AiProviderModel.KeysVersion"/>).
/// </summary>
public sealed record AiModel
{
    /// <summary>The policy this block came from ("namespace/name").</summary>
    public required string Policy { get; init; }
    public required IReadOnlyList<AiProviderModel> Providers { get; init; }
    public required IReadOnlyList<AiModelRouteModel> Models { get; init; }
    /// <summary>The output token cap added to (or enforced on) every call.</summary>
    public required int MaxTokens { get; init; }
    public IReadOnlyList<AiQuotaModel> Quotas { get; init; } = [];
    /// <summary>By the provider's model name.</summary>
    public IReadOnlyList<AiPriceModel> Prices { get; init; } = [];
    public AiPromptModel? Prompt { get; init; }
    public AiGuardModel? Guard { get; init; }
}

public sealed record AiProviderModel
{
    public required string Name { get; init; }
    public required AiProviderType Type { get; init; }
    /// <summary>Without a trailing slash, e.g. "https://api.openai.com/v1".</summary>
    public required string BaseUrl { get; init; }
    /// <summary>API keys in the order the policy lists them; empty for a keyless OpenAI-compatible server.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Keys { get; init; } = [];
    /// <summary>A short hash of <see cref="Keys"/>, so a rotated key changes the model version without showing the key.</summary>
    public string? KeysVersion { get; init; }
    /// <summary>AzureOpenAI's api-version; null for the other types.</summary>
    public string? ApiVersion { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required TimeSpan KeyCooldown { get; init; }
}

/// <summary>A model name clients may send and where calls for it go.</summary>
public sealed record AiModelRouteModel
{
    public required string Name { get; init; }
    /// <summary>Targets with weight above zero.</summary>
    public required IReadOnlyList<AiTargetModel> Targets { get; init; }
    public IReadOnlyList<AiTargetModel> Fallbacks { get; init; } = [];
}

/// <param name="Model">The provider's model name (already defaulted to the alias).</param>
public sealed record AiTargetModel(string Provider, string Model, int Weight);

public sealed record AiQuotaModel
{
    public required AiQuotaKey Key { get; init; }
    public required AiQuotaPeriod Period { get; init; }
    /// <summary>Tokens per period; null for a cost quota.</summary>
    public long? Tokens { get; init; }
    /// <summary>Spend per month; null for a token quota.</summary>
    public decimal? Cost { get; init; }
    public required RateLimitScope Scope { get; init; }
}

/// <summary>Prices per million tokens.</summary>
public sealed record AiPriceModel(string Model, decimal Input, decimal Output);

public sealed record AiPromptModel
{
    public required string Model { get; init; }
    public required IReadOnlyList<AiPromptMessageModel> Messages { get; init; }
    public IReadOnlyList<AiPromptVariableModel> Variables { get; init; } = [];
    public required AiPromptResponse Response { get; init; }
    public string? Description { get; init; }
}

public sealed record AiPromptMessageModel(string Role, string Content);

public sealed record AiPromptVariableModel(string Name, AiVariableType Type, bool Required, int MaxLength, string? Description);

public sealed record AiGuardModel
{
    public IReadOnlyList<AiGuardPatternModel> Allow { get; init; } = [];
    public IReadOnlyList<AiGuardPatternModel> Deny { get; init; } = [];
    public IReadOnlyList<AiMaskModel> Mask { get; init; } = [];
    public required AiGuardScope Messages { get; init; }
}

public sealed record AiGuardPatternModel(string Name, string Pattern);

/// <param name="Pattern">The regular expression (builtins expanded by the controller).</param>
public sealed record AiMaskModel(string Pattern, string Replacement);
