using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Consumers;

/// <summary>
/// Accepts a KonnectConsumer and reports each subscription. Approval (a route owner naming the consumer in a
/// policy) is not enforced yet, so every subscription to an existing route stays Pending and says why.
/// </summary>
internal static class ConsumerTranslator
{
    public static ObjectStatus Translate(ObjectRef key, KonnectConsumer consumer, ResourceSnapshot snapshot)
    {
        var generation = consumer.Metadata.Generation;
        var subscriptions = new List<SubscriptionStatus>();
        foreach (var subscription in consumer.Spec.Subscriptions ?? [])
        {
            var parts = subscription.Route.Split('/');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                return Rejected(key, generation, $"spec.subscriptions: \"{subscription.Route}\" must be namespace/name");
            }
            var exists = snapshot.Routes.ContainsKey(new ObjectRef(KonnectRoute.KindName, parts[0], parts[1]));
            subscriptions.Add(new SubscriptionStatus
            {
                Route = subscription.Route,
                State = "Pending",
                Message = exists
                    ? "Waiting for the route's owner to approve; approval is not enforced by this version yet"
                    : $"KonnectRoute {subscription.Route} does not exist (yet)",
            });
        }
        return new ObjectStatus
        {
            Object = key,
            Generation = generation,
            Conditions =
            [
                Conditions.True(ConditionTypes.Accepted, Reasons.Accepted, "Consumer is valid", generation),
                Conditions.True(ConditionTypes.ResolvedRefs, Reasons.ResolvedRefs, "Credentials are not read by this version yet", generation),
            ],
            Subscriptions = subscriptions,
        };
    }

    private static ObjectStatus Rejected(ObjectRef key, long? generation, string message) => new()
    {
        Object = key,
        Generation = generation,
        Conditions = [Conditions.False(ConditionTypes.Accepted, Reasons.InvalidSpec, message, generation)],
    };
}
