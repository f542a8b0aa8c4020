namespace Konnect.Gateway.Ai.Quotas;

/// <summary>Who makes a call, as far as quotas care.</summary>
/// <param name="Consumer">"namespace/name" of the authenticated consumer, or "ip:&lt;address&gt;" without one.</param>
/// <param name="Groups">The consumer's groups; each is its own counter of a consumerGroup quota.</param>
/// <param name="RuleId">The rule the call came through.</param>
/// <param name="Model">The model name the client sent (the key of a model quota).</param>
internal sealed record QuotaSubject(string Consumer, IReadOnlyList<string> Groups, string RuleId, string Model);
