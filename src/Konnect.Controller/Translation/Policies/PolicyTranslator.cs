using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Decides whether a KonnectPolicy can be enforced. A block this version does not enforce rejects the policy:
/// serving a route without the authentication or limit its owner asked for would be worse than a clear 503.
/// </summary>
internal static class PolicyTranslator
{
    public static ObjectStatus Translate(ObjectRef key, KonnectPolicy policy)
    {
        var generation = policy.Metadata.Generation;
        var unsupported = UnsupportedBlocks(policy.Spec);
        if (unsupported.Count > 0)
        {
            var message = $"spec.{string.Join(", spec.", unsupported)} {(unsupported.Count == 1 ? "is" : "are")} not enforced by this version of Konnect yet; routes that use this policy answer 503 until {(unsupported.Count == 1 ? "it is" : "they are")}";
            return new ObjectStatus
            {
                Object = key,
                Generation = generation,
                Conditions =
                [
                    Conditions.False(ConditionTypes.Accepted, Reasons.Unsupported, message, generation),
                    Conditions.True(ConditionTypes.ResolvedRefs, Reasons.ResolvedRefs, "No references to resolve", generation),
                ],
            };
        }
        return new ObjectStatus
        {
            Object = key,
            Generation = generation,
            Conditions =
            [
                Conditions.True(ConditionTypes.Accepted, Reasons.Accepted, "Policy is valid", generation),
                Conditions.True(ConditionTypes.ResolvedRefs, Reasons.ResolvedRefs, "No references to resolve", generation),
            ],
        };
    }

    private static List<string> UnsupportedBlocks(KonnectPolicySpec spec)
    {
        var blocks = new List<string>();
        void Check(object? block, string name) { if (block is not null) { blocks.Add(name); } }
        Check(spec.Authentication, "authentication");
        Check(spec.Authorization, "authorization");
        Check(spec.RateLimit, "rateLimit");
        Check(spec.Cache, "cache");
        Check(spec.Cors, "cors");
        Check(spec.IpAccess, "ipAccess");
        Check(spec.RequestTransform, "requestTransform");
        Check(spec.ResponseTransform, "responseTransform");
        Check(spec.Retry, "retry");
        Check(spec.CircuitBreaker, "circuitBreaker");
        Check(spec.LoadBalancing, "loadBalancing");
        Check(spec.HealthCheck, "healthCheck");
        Check(spec.Ai, "ai");
        return blocks;
    }
}
