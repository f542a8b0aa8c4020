using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Konnect.Gateway.Ai.Guard;
using Konnect.Model;
using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Ai.Providers;

/// <summary>A rule's ai block, ready to serve: providers with their key rings, model names, the compiled guard.</summary>
internal sealed class AiRule
{
    private readonly Dictionary<string, AiModelRouteModel> _models;

    public AiRule(AiModel model, Func<AiProviderModel, KeyRing> keyRings)
    {
        Model = model;
        _models = model.Models.ToDictionary(m => m.Name, StringComparer.Ordinal);
        Providers = model.Providers.ToDictionary(p => p.Name, p => new AiProvider(p, keyRings(p)), StringComparer.Ordinal);
        Prices = model.Prices.ToDictionary(p => p.Model, StringComparer.Ordinal);
        Guard = model.Guard is { } guard ? PromptGuard.Compile(guard) : null;
        ModelNames = string.Join(", ", model.Models.Select(m => m.Name));
    }

    public AiModel Model { get; }

    public IReadOnlyDictionary<string, AiProvider> Providers { get; }

    public IReadOnlyDictionary<string, AiPriceModel> Prices { get; }

    public PromptGuard? Guard { get; }

    /// <summary>"fast, smart": what an unknown model's error lists.</summary>
    public string ModelNames { get; }

    public AiModelRouteModel? Find(string name) => _models.GetValueOrDefault(name);

    /// <summary>The targets a call tries in order: one of the targets chosen by weight, then the fallbacks.</summary>
    public static List<AiTargetModel> Attempts(AiModelRouteModel route)
    {
        var attempts = new List<AiTargetModel>(1 + route.Fallbacks.Count) { Pick(route.Targets) };
        attempts.AddRange(route.Fallbacks);
        return attempts;
    }

    private static AiTargetModel Pick(IReadOnlyList<AiTargetModel> targets)
    {
        if (targets.Count == 1) { return targets[0]; }
        var total = 0;
        foreach (var t in targets) { total += t.Weight; }
        var roll = Random.Shared.Next(total);
        foreach (var t in targets)
        {
            if (roll < t.Weight) { return t; }
            roll -= t.Weight;
        }
        return targets[^1];
    }

    /// <summary>The price of a provider's model, or null (then it costs nothing in cost quotas and metrics).</summary>
    public decimal Cost(string providerModel, TokenUsage usage) =>
        Prices.TryGetValue(providerModel, out var price) ? (usage.Input * price.Input + usage.Output * price.Output) / 1_000_000m : 0m;
}

internal sealed record AiProvider(AiProviderModel Model, KeyRing Keys);

/// <summary>
/// Compiles each rule's ai block once per model version (keyed by the model's record instance), and keeps key rings
/// across versions while a provider's keys stay the same.
/// </summary>
internal sealed class AiRules(TimeProvider time)
{
    private readonly ConditionalWeakTable<AiModel, AiRule> _rules = [];
    private readonly ConcurrentDictionary<string, KeyRing> _keyRings = new(StringComparer.Ordinal);

    public AiRule For(AiModel model) => _rules.GetValue(model, m => new AiRule(m, p =>
        _keyRings.GetOrAdd($"{m.Policy}/{p.Name}/{p.KeysVersion}", _ => new KeyRing(p.Keys, time))));
}
