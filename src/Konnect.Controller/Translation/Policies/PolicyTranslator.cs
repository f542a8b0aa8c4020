using Konnect.Api.V1Alpha1;
using Konnect.Controller.Model;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Decides whether a KonnectPolicy can be enforced, and compiles the blocks this version enforces (ipAccess, cors, authentication, authorization).
/// A block this version does not enforce rejects the policy: serving a route without the authentication or limit its
/// owner asked for would be worse than a clear 503. An enforced block that is invalid rejects it the same way.
/// </summary>
internal static class PolicyTranslator
{
    public static ObjectStatus Translate(ObjectRef key, KonnectPolicy policy) => Translate(key, policy, out _);

    /// <param name="compiled">The enforced blocks when the policy is accepted; null otherwise.</param>
    /// <param name="snapshot">When given, the anonymous consumer is checked to exist (ResolvedRefs).</param>
    public static ObjectStatus Translate(ObjectRef key, KonnectPolicy policy, out PoliciesModel? compiled, ResourceSnapshot? snapshot = null)
    {
        compiled = null;
        var generation = policy.Metadata.Generation;
        var unsupported = UnsupportedBlocks(policy.Spec);
        if (unsupported.Count > 0)
        {
            var message = $"spec.{string.Join(", spec.", unsupported)} {(unsupported.Count == 1 ? "is" : "are")} not enforced by this version of Konnect yet; routes that use this policy answer 503 until {(unsupported.Count == 1 ? "it is" : "they are")}";
            return Rejected(key, generation, Reasons.Unsupported, message);
        }

        var name = $"{key.Namespace}/{key.Name}";
        IpAccessModel? ipAccess = null;
        CorsModel? cors = null;
        AuthenticationModel? authentication = null;
        AuthorizationModel? authorization = null;
        var invalid = (policy.Spec.IpAccess is { } ip ? PolicyBlockCompiler.TryCompileIpAccess(name, ip, out ipAccess) : null)
            ?? (policy.Spec.Cors is { } c ? PolicyBlockCompiler.TryCompileCors(name, c, out cors) : null)
            ?? (policy.Spec.Authentication is { } authn ? AuthBlockCompiler.TryCompileAuthentication(name, key.Namespace, authn, out authentication) : null)
            ?? (policy.Spec.Authorization is { } authz ? AuthBlockCompiler.TryCompileAuthorization(name, authz, out authorization) : null);
        if (invalid is not null)
        {
            return Rejected(key, generation, Reasons.InvalidSpec, $"{invalid}; routes that use this policy answer 503 until it is fixed");
        }

        compiled = new PoliciesModel { IpAccess = ipAccess, Cors = cors, Authentication = authentication, Authorization = authorization };
        // A missing anonymous consumer does not reject the policy: the gateway then has no fallback and answers 401,
        // which fails closed; the condition says which consumer to create.
        var resolved = Conditions.True(ConditionTypes.ResolvedRefs, Reasons.ResolvedRefs, authentication?.AnonymousConsumer is null ? "No references to resolve" : "All references resolved", generation);
        if (snapshot is not null && authentication?.AnonymousConsumer is { } anonymous
            && !snapshot.Consumers.ContainsKey(new ObjectRef(KonnectConsumer.KindName, key.Namespace, anonymous[(anonymous.IndexOf('/') + 1)..])))
        {
            resolved = Conditions.False(ConditionTypes.ResolvedRefs, Reasons.ConsumerNotFound,
                $"spec.authentication.anonymous: KonnectConsumer {anonymous} not found; requests without credentials get 401 until it exists", generation);
        }
        return new ObjectStatus
        {
            Object = key,
            Generation = generation,
            Conditions = [Conditions.True(ConditionTypes.Accepted, Reasons.Accepted, "Policy is valid", generation), resolved],
        };
    }

    private static ObjectStatus Rejected(ObjectRef key, long? generation, string reason, string message) => new()
    {
        Object = key,
        Generation = generation,
        Conditions =
        [
            Conditions.False(ConditionTypes.Accepted, reason, message, generation),
            Conditions.True(ConditionTypes.ResolvedRefs, Reasons.ResolvedRefs, "No references to resolve", generation),
        ],
    };

    private static List<string> UnsupportedBlocks(KonnectPolicySpec spec)
    {
        var blocks = new List<string>();
        void Check(object? block, string name) { if (block is not null) { blocks.Add(name); } }
        Check(spec.Authentication?.Mtls, "authentication.mtls");
        Check(spec.RateLimit, "rateLimit");
        Check(spec.Cache, "cache");
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
