using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Konnect.Api;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Validates an ai block (folder mode has no API-server schema or CEL check, so every CRD rule is checked again here;
/// the first problem is reported with its field) and reads the providers' keys from their Secrets.
/// </summary>
internal static class AiBlockCompiler
{
    public const int DefaultMaxTokens = 4096;
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DefaultKeyCooldown = TimeSpan.FromSeconds(30);
    private const string DefaultAzureApiVersion = "2024-10-21";
    private const string EmailPattern = @"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}";
    // 13 to 19 digits, optionally grouped by spaces or dashes: the card number lengths ISO/IEC 7812 allows.
    private const string CardNumberPattern = @"\b(?:\d[ -]?){12,18}\d\b";

    public static string? TryCompile(string policy, AiPolicy block, out AiModel? model)
    {
        model = null;
        if (block.Providers is not { Count: > 0 } providers) { return "spec.ai.providers: at least one provider is required"; }
        if (providers.Count > 16) { return $"spec.ai.providers: {providers.Count} providers; at most 16 are allowed"; }
        var compiledProviders = new List<AiProviderModel>(providers.Count);
        for (var i = 0; i < providers.Count; i++)
        {
            if (TryCompileProvider(providers[i], $"spec.ai.providers[{i}]", out var provider) is { } problem) { return problem; }
            if (compiledProviders.Any(p => p.Name == provider!.Name)) { return $"spec.ai.providers[{i}].name: \"{provider!.Name}\" is used twice"; }
            compiledProviders.Add(provider!);
        }

        if (block.Models is not { Count: > 0 } models) { return "spec.ai.models: at least one model is required, e.g. { name: fast, targets: [{ provider: openai, model: gpt-4o-mini }] }"; }
        if (models.Count > 64) { return $"spec.ai.models: {models.Count} models; at most 64 are allowed"; }
        var routes = new List<AiModelRouteModel>(models.Count);
        for (var i = 0; i < models.Count; i++)
        {
            var field = $"spec.ai.models[{i}]";
            var route = models[i];
            if (string.IsNullOrEmpty(route.Name) || route.Name.Length > 128) { return $"{field}.name: a model name of 1-128 characters is required"; }
            if (routes.Any(r => r.Name == route.Name)) { return $"{field}.name: \"{route.Name}\" is used twice"; }
            if (route.Targets is not { Count: > 0 }) { return $"{field}.targets: at least one target is required"; }
            if (TryCompileTargets(route.Targets, route.Name, $"{field}.targets", compiledProviders, out var targets) is { } problem) { return problem; }
            if (TryCompileTargets(route.Fallbacks ?? [], route.Name, $"{field}.fallbacks", compiledProviders, out var fallbacks) is { } fallbackProblem) { return fallbackProblem; }
            var weighted = targets.Where(t => t.Weight > 0).ToArray();
            if (weighted.Length == 0) { return $"{field}.targets: every target has weight 0"; }
            routes.Add(new AiModelRouteModel { Name = route.Name, Targets = weighted, Fallbacks = fallbacks });
        }

        if (block.MaxTokens is < 1 or > 1_000_000) { return $"spec.ai.maxTokens: {block.MaxTokens} is outside 1-1000000"; }
        if (TryCompilePrices(block.Prices ?? [], out var prices) is { } priceProblem) { return priceProblem; }
        if (TryCompileQuotas(block.Quotas ?? [], out var quotas) is { } quotaProblem) { return quotaProblem; }
        AiPromptModel? prompt = null;
        if (block.Prompt is { } p && AiPromptCompiler.TryCompile(p, routes, out prompt) is { } promptProblem) { return promptProblem; }
        AiGuardModel? guard = null;
        if (block.Guard is { } g && TryCompileGuard(g, out guard) is { } guardProblem) { return guardProblem; }

        model = new AiModel
        {
            Policy = policy,
            Providers = compiledProviders,
            Models = routes,
            MaxTokens = block.MaxTokens ?? DefaultMaxTokens,
            Quotas = quotas,
            Prices = prices,
            Prompt = prompt,
            Guard = guard,
        };
        return null;
    }

    /// <summary>
    /// Puts each provider's keys into the block. A provider without its Secret or a key cannot be called, so the whole
    /// block fails (the rule answers 503) with a problem naming the provider, the Secret and the key, never a value.
    /// </summary>
    public static AiModel? ResolveKeys(AiModel ai, AiPolicy block, string ns, ResourceSnapshot snapshot, out (string Reason, string Message) problem)
    {
        problem = default;
        var providers = new List<AiProviderModel>(ai.Providers.Count);
        for (var i = 0; i < ai.Providers.Count; i++)
        {
            var spec = block.Providers[i];
            if (spec.SecretName is not { } secretName)
            {
                providers.Add(ai.Providers[i]);
                continue;
            }
            var keys = new List<string>();
            var problems = new List<(string Reason, string Message)>();
            foreach (var secretKey in spec.SecretKeys is { Count: > 0 } names ? names : ["api-key"])
            {
                if (SecretValues.Read(snapshot, ns, secretName, secretKey, $"spec.ai.providers[{i}] ({spec.Name})", problems) is not { } value)
                {
                    problem = problems[0];
                    return null;
                }
                // Secrets made with `kubectl create secret --from-file` often end in a newline, which no provider accepts.
                keys.Add(Encoding.UTF8.GetString(value).Trim());
            }
            var version = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', keys))).AsSpan(0, 8));
            providers.Add(ai.Providers[i] with { Keys = keys, KeysVersion = version });
        }
        return ai with { Providers = providers };
    }

    private static string? TryCompileProvider(AiProvider provider, string field, out AiProviderModel? model)
    {
        model = null;
        if (string.IsNullOrEmpty(provider.Name) || !Name().IsMatch(provider.Name)) { return $"{field}.name: \"{provider.Name}\" is not a lower-case name such as openai"; }
        if (!Enum.IsDefined(provider.Type)) { return $"{field}.type: must be one of OpenAI, AzureOpenAI, Anthropic, Gemini, OpenAICompatible"; }
        var baseUrl = provider.BaseUrl ?? provider.Type switch
        {
            AiProviderType.OpenAI => "https://api.openai.com/v1",
            AiProviderType.Anthropic => "https://api.anthropic.com",
            AiProviderType.Gemini => "https://generativelanguage.googleapis.com/v1beta",
            _ => null,
        };
        if (baseUrl is null) { return $"{field}.baseUrl: required for {provider.Type}, e.g. {(provider.Type == AiProviderType.AzureOpenAI ? "https://<resource>.openai.azure.com" : "http://vllm.models:8000/v1")}"; }
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            return $"{field}.baseUrl: \"{baseUrl}\" is not an http(s) URL without query or fragment";
        }
        if (provider.SecretName is null && provider.SecretKeys is not null) { return $"{field}.secretKeys: needs secretName"; }
        if (provider.SecretName is null && provider.Type != AiProviderType.OpenAICompatible)
        {
            return $"{field}.secretName: {provider.Type} needs an API key: name the Secret holding it";
        }
        if (provider.SecretKeys is { Count: > 16 }) { return $"{field}.secretKeys: at most 16 keys"; }
        if (provider.ApiVersion is not null && provider.Type != AiProviderType.AzureOpenAI) { return $"{field}.apiVersion: only used by AzureOpenAI"; }
        if (!TryDuration(provider.Timeout, DefaultTimeout, out var timeout)) { return $"{field}.timeout: \"{provider.Timeout}\" is not a duration such as 30s or 2m"; }
        if (!TryDuration(provider.KeyCooldown, DefaultKeyCooldown, out var cooldown)) { return $"{field}.keyCooldown: \"{provider.KeyCooldown}\" is not a duration such as 30s"; }
        model = new AiProviderModel
        {
            Name = provider.Name,
            Type = provider.Type,
            BaseUrl = baseUrl.TrimEnd('/'),
            ApiVersion = provider.Type == AiProviderType.AzureOpenAI ? provider.ApiVersion ?? DefaultAzureApiVersion : null,
            Timeout = timeout,
            KeyCooldown = cooldown,
        };
        return null;
    }

    private static string? TryCompileTargets(List<AiTarget> targets, string alias, string field, List<AiProviderModel> providers, out List<AiTargetModel> compiled)
    {
        compiled = [];
        if (targets.Count > 16) { return $"{field}: at most 16 entries"; }
        for (var i = 0; i < targets.Count; i++)
        {
            var target = targets[i];
            if (!providers.Any(p => p.Name == target.Provider))
            {
                return $"{field}[{i}].provider: no provider named \"{target.Provider}\" in spec.ai.providers (there are {string.Join(", ", providers.Select(p => p.Name))})";
            }
            if (target.Weight is < 0 or > 10000) { return $"{field}[{i}].weight: {target.Weight} is outside 0-10000"; }
            compiled.Add(new AiTargetModel(target.Provider, string.IsNullOrEmpty(target.Model) ? alias : target.Model, target.Weight));
        }
        return null;
    }

    private static string? TryCompilePrices(List<AiPrice> prices, out List<AiPriceModel> compiled)
    {
        compiled = [];
        for (var i = 0; i < prices.Count; i++)
        {
            var price = prices[i];
            if (string.IsNullOrEmpty(price.Model)) { return $"spec.ai.prices[{i}].model: required"; }
            if (!TryAmount(price.Input, out var input)) { return $"spec.ai.prices[{i}].input: \"{price.Input}\" is not an amount such as 0.15"; }
            if (!TryAmount(price.Output, out var output)) { return $"spec.ai.prices[{i}].output: \"{price.Output}\" is not an amount such as 0.60"; }
            if (compiled.Any(p => p.Model == price.Model)) { return $"spec.ai.prices[{i}].model: \"{price.Model}\" is priced twice"; }
            compiled.Add(new AiPriceModel(price.Model, input, output));
        }
        return null;
    }

    private static string? TryCompileQuotas(List<AiQuota> quotas, out List<AiQuotaModel> compiled)
    {
        compiled = [];
        if (quotas.Count > 8) { return $"spec.ai.quotas: {quotas.Count} quotas; at most 8 are allowed"; }
        for (var i = 0; i < quotas.Count; i++)
        {
            var field = $"spec.ai.quotas[{i}]";
            var quota = quotas[i];
            if ((quota.Tokens is null) == (quota.Cost is null)) { return $"{field}: set exactly one of tokens or cost"; }
            decimal? cost = null;
            if (quota.Cost is { } text)
            {
                if (!TryAmount(text, out var amount) || amount <= 0) { return $"{field}.cost: \"{text}\" is not a positive amount such as 25.00"; }
                if (quota.Period != AiQuotaPeriod.Month) { return $"{field}.period: a cost quota counts per month"; }
                cost = amount;
            }
            else if (quota.Tokens is < 1 or > 1_000_000_000_000) { return $"{field}.tokens: {quota.Tokens} is outside 1-1000000000000"; }
            else if (quota.Period == AiQuotaPeriod.Month) { return $"{field}.period: a token quota counts per minute, hour or day"; }
            compiled.Add(new AiQuotaModel { Key = quota.Key, Period = quota.Period, Tokens = quota.Tokens, Cost = cost, Scope = quota.Scope });
        }
        return null;
    }

    private static string? TryCompileGuard(AiGuard guard, out AiGuardModel? model)
    {
        model = null;
        var allow = new List<AiGuardPatternModel>();
        var deny = new List<AiGuardPatternModel>();
        var mask = new List<AiMaskModel>();
        foreach (var (list, into, field) in new[] { (guard.Allow, allow, "allow"), (guard.Deny, deny, "deny") })
        {
            var patterns = list ?? [];
            if (patterns.Count > 32) { return $"spec.ai.guard.{field}: at most 32 patterns"; }
            for (var i = 0; i < patterns.Count; i++)
            {
                if (!Name().IsMatch(patterns[i].Name ?? "")) { return $"spec.ai.guard.{field}[{i}].name: \"{patterns[i].Name}\" is not a lower-case name"; }
                if (CheckPattern(patterns[i].Pattern) is { } problem) { return $"spec.ai.guard.{field}[{i}].pattern: {problem}"; }
                into.Add(new AiGuardPatternModel(patterns[i].Name!, patterns[i].Pattern));
            }
        }
        var masks = guard.Mask ?? [];
        if (masks.Count > 32) { return "spec.ai.guard.mask: at most 32 entries"; }
        for (var i = 0; i < masks.Count; i++)
        {
            var entry = masks[i];
            if ((entry.Builtin is null) == (entry.Pattern is null)) { return $"spec.ai.guard.mask[{i}]: set exactly one of builtin or pattern"; }
            var pattern = entry.Builtin switch { GuardBuiltin.Email => EmailPattern, GuardBuiltin.CardNumber => CardNumberPattern, _ => entry.Pattern! };
            if (CheckPattern(pattern) is { } problem) { return $"spec.ai.guard.mask[{i}].pattern: {problem}"; }
            var replacement = entry.Replacement ?? entry.Builtin switch { GuardBuiltin.Email => "[email]", GuardBuiltin.CardNumber => "[card number]", _ => "[masked]" };
            mask.Add(new AiMaskModel(pattern, replacement));
        }
        model = new AiGuardModel { Allow = allow, Deny = deny, Mask = mask, Messages = guard.Messages };
        return null;
    }

    /// <summary>The gateway compiles patterns NonBacktracking, which refuses backreferences and lookarounds: say so here, not at run time.</summary>
    private static string? CheckPattern(string? pattern)
    {
        if (string.IsNullOrEmpty(pattern) || pattern.Length > 1024) { return "a pattern of 1-1024 characters is required"; }
        try
        {
            _ = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return $"not a regular expression Konnect can run without backtracking: {e.Message}";
        }
    }

    private static bool TryDuration(string? text, TimeSpan fallback, out TimeSpan value)
    {
        if (text is null) { value = fallback; return true; }
        return Duration.TryParse(text, out value) && value > TimeSpan.Zero;
    }

    private static bool TryAmount(string? text, out decimal value)
    {
        value = 0;
        return text is not null && Regex.IsMatch(text, AiPrice.AmountPattern)
            && decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }

    private static Regex Name() => NameRegex;
    private static readonly Regex NameRegex = new("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant);
}
