using Konnect.Model;
using Konnect.Gateway.Policies.Authentication;

namespace Konnect.Gateway.Policies.Authorization;

/// <summary>
/// A compiled authorization block. With consumerGroups or approvedConsumers set, the consumer must be in one of the
/// groups or be listed; requireSubscription additionally needs the route in the consumer's subscriptions. With
/// requireSubscription the consumer must be approved (listed or in a group) even when both lists are empty: a
/// subscription is a request the owner has not answered yet, and the consumer's status says Pending, so it carries no traffic.
/// </summary>
internal sealed class AuthorizationRule
{
    private readonly string[] _groups;
    private readonly HashSet<string> _approved;
    private readonly bool _requireSubscription;

    private AuthorizationRule(AuthorizationModel model)
    {
        Policy = model.Policy;
        _groups = [.. model.ConsumerGroups];
        _approved = new(model.ApprovedConsumers, StringComparer.Ordinal);
        _requireSubscription = model.RequireSubscription;
    }

    public string Policy { get; }

    public static AuthorizationRule Compile(AuthorizationModel model) => new(model);

    /// <param name="route">The route as "namespace/name", as consumers write it in spec.subscriptions.</param>
    /// <returns>Null when allowed, otherwise the reason for the 403.</returns>
    public string? Check(ConsumerIdentity consumer, string route)
    {
        if ((_groups.Length > 0 || _approved.Count > 0 || _requireSubscription) && !_approved.Contains(consumer.Id) && !InAllowedGroup(consumer))
        {
            return $"Consumer {consumer.Id} is neither approved nor in an allowed group (KonnectPolicy {Policy}).";
        }
        if (_requireSubscription && !consumer.Subscriptions.Contains(route))
        {
            return $"Consumer {consumer.Id} has not subscribed to {route} (KonnectPolicy {Policy} requires a subscription).";
        }
        return null;
    }

    private bool InAllowedGroup(ConsumerIdentity consumer)
    {
        foreach (var group in _groups)
        {
            if (consumer.Groups.Contains(group)) { return true; }
        }
        return false;
    }
}
