using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// Decides whether a KonnectPolicy can be enforced, and compiles the blocks this version enforces (every block of this version: the traffic blocks, the resilience blocks and ai).
/// A block this version does not enforce rejects the policy: serving a route without the authentication or limit its
/// owner asked for would be worse than a clear 503. An enforced block that is invalid rejects it the same way, and so
/// does a keysSecret that cannot be read; in both cases the rules keep the policy's last good blocks when there are any.
/// </summary>
internal static class PolicyTranslator
{
    /// <param name="lastGood">The blocks this policy last compiled to (previous pass), enforced while it cannot be compiled now.</param>
    public static PolicyOutcome Translate(ObjectRef key, KonnectPolicy policy, ResourceSnapshot snapshot, LastGoodPolicy? lastGood)
    {
        var generation = policy.Metadata.Generation;
        var name = key.ToNamespacedName();
        IpAccessModel? ipAccess = null;
        CorsModel? cors = null;
        AuthenticationModel? authentication = null;
        AuthorizationModel? authorization = null;
        RateLimitModel? rateLimit = null;
        CacheModel? cache = null;
        TransformModel? requestTransform = null, responseTransform = null;
        ResilienceModel? resilience = null;
        AiModel? ai = null;
        var invalid = (policy.Spec.IpAccess is { } ip ? PolicyBlockCompiler.TryCompileIpAccess(name, ip, out ipAccess) : null)
            ?? (policy.Spec.Cors is { } c ? PolicyBlockCompiler.TryCompileCors(name, c, out cors) : null)
            ?? (policy.Spec.Authentication is { } authn ? AuthBlockCompiler.TryCompileAuthentication(name, key.Namespace, authn, out authentication) : null)
            ?? (policy.Spec.Authorization is { } authz ? AuthBlockCompiler.TryCompileAuthorization(name, authz, out authorization) : null)
            ?? (policy.Spec.RateLimit is { } limit ? RateLimitBlockCompiler.TryCompile(name, limit, out rateLimit) : null)
            ?? (policy.Spec.Cache is { } cacheBlock ? TrafficBlockCompiler.TryCompileCache(name, cacheBlock, out cache) : null)
            ?? (policy.Spec.RequestTransform is { } rq ? TrafficBlockCompiler.TryCompileRequestTransform(name, rq, out requestTransform) : null)
            ?? (policy.Spec.ResponseTransform is { } rs ? TrafficBlockCompiler.TryCompileResponseTransform(name, rs, out responseTransform) : null)
            ?? ResilienceBlockCompiler.TryCompile(name, policy.Spec, out resilience)
            ?? (policy.Spec.Ai is { } aiBlock ? AiBlockCompiler.TryCompile(name, aiBlock, out ai) : null);
        if (invalid is not null)
        {
            return Failed(key, generation, lastGood, Reasons.InvalidSpec, invalid, "until it is fixed");
        }

        if (policy.Spec.Authentication?.Jwt?.KeysSecret is { } keysSecret && authentication?.Jwt is { } jwt)
        {
            if (JwtKeysResolver.Resolve(jwt, keysSecret, key.Namespace, snapshot, out var keyProblem) is not { } withKeys)
            {
                return Failed(key, generation, lastGood, keyProblem.Reason, keyProblem.Message, "until it is fixed", unresolved: true);
            }
            authentication = authentication with { Jwt = withKeys };
        }
        if (authentication?.Mtls is { } mtls)
        {
            if (MtlsBlockCompiler.Resolve(mtls, key.Namespace, snapshot, out var caProblem) is not { } withCa)
            {
                return Failed(key, generation, lastGood, caProblem.Reason, caProblem.Message, "until it is fixed", unresolved: true);
            }
            authentication = authentication with { Mtls = withCa };
        }

        if (ai is not null)
        {
            if (AiBlockCompiler.ResolveKeys(ai, policy.Spec.Ai!, key.Namespace, snapshot, out var keyProblem) is not { } withKeys)
            {
                return Failed(key, generation, lastGood, keyProblem.Reason, keyProblem.Message, "until it is fixed", unresolved: true);
            }
            ai = withKeys;
        }

        var compiled = new PoliciesModel
        {
            IpAccess = ipAccess, Cors = cors, Authentication = authentication, Authorization = authorization, RateLimit = rateLimit,
            Cache = cache, RequestTransform = requestTransform, ResponseTransform = responseTransform, Resilience = resilience, Ai = ai,
        };
        // A missing anonymous consumer does not reject the policy: the gateway then has no fallback and answers 401,
        // which fails closed; the condition says which consumer to create.
        var hasRefs = ai?.Providers.Any(p => p.KeysVersion is not null) == true || authentication?.AnonymousConsumer is not null || authentication?.Jwt?.Keys is not null || authentication?.Mtls is not null || authorization?.ApprovedConsumers.Count > 0;
        var resolved = Conditions.True(ConditionTypes.ResolvedRefs, Reasons.ResolvedRefs, hasRefs ? "All references resolved" : "No references to resolve", generation);
        var missing = new List<string>();
        if (authentication?.AnonymousConsumer is { } anonymous && !ConsumerExists(anonymous, snapshot))
        {
            missing.Add($"spec.authentication.anonymous: KonnectConsumer {anonymous} not found; requests without credentials get 401 until it exists");
        }
        // Approving a consumer before it exists is allowed (nothing opens until it does), but the owner should see
        // that a name matches nothing: a typo here would otherwise look like a caller who never showed up.
        if (authorization?.ApprovedConsumers.Where(c => !ConsumerExists(c, snapshot)).ToArray() is { Length: > 0 } unknown)
        {
            missing.Add($"spec.authorization.approvedConsumers: KonnectConsumer {string.Join(", ", unknown)} not found; {(unknown.Length == 1 ? "it is" : "they are")} approved once {(unknown.Length == 1 ? "it exists" : "they exist")}");
        }
        if (missing.Count > 0)
        {
            resolved = Conditions.False(ConditionTypes.ResolvedRefs, Reasons.ConsumerNotFound, string.Join("; ", missing), generation);
        }
        var status = new ObjectStatus
        {
            Object = key,
            Generation = generation,
            Conditions = [Conditions.True(ConditionTypes.Accepted, Reasons.Accepted, "Policy is valid", generation), resolved],
        };
        return new PolicyOutcome(status, new PolicyEnforcement(compiled, null), new LastGoodPolicy(compiled, generation));
    }

    /// <param name="consumer">"namespace/name".</param>
    private static bool ConsumerExists(string consumer, ResourceSnapshot snapshot)
    {
        var slash = consumer.IndexOf('/');
        return slash > 0 && snapshot.Consumers.ContainsKey(new ObjectRef(KonnectConsumer.KindName, consumer[..slash], consumer[(slash + 1)..]));
    }

    /// <summary>
    /// A policy that cannot be compiled now. With a last good version its rules keep enforcing that (never fail open,
    /// never take the API down for a typo); without one they answer 503. Either way status says which.
    /// </summary>
    /// <param name="unresolved">The spec is valid but a reference (the keysSecret) is unusable: ResolvedRefs, not Accepted, is False.</param>
    private static PolicyOutcome Failed(ObjectRef key, long? generation, LastGoodPolicy? lastGood, string reason, string problem, string until, bool unresolved = false)
    {
        var consequence = lastGood is null
            ? $"routes that use this policy answer 503 {until}"
            : $"routes keep enforcing {lastGood.Describe()}";
        var message = $"{problem}; {consequence}";
        Condition[] conditions = unresolved
            ? [
                Conditions.True(ConditionTypes.Accepted, Reasons.Accepted, "Policy is valid", generation),
                Conditions.False(ConditionTypes.ResolvedRefs, reason, message, generation),
            ]
            : [
                Conditions.False(ConditionTypes.Accepted, reason, message, generation),
                Conditions.True(ConditionTypes.ResolvedRefs, Reasons.ResolvedRefs, "No references to resolve", generation),
            ];
        var name = key.ToNamespacedName();
        var routeProblem = unresolved
            ? new RouteProblem(Reasons.PolicyNotResolved, $"KonnectPolicy {name} has a reference that does not resolve (see its status)")
            : new RouteProblem(Reasons.PolicyNotAccepted, $"KonnectPolicy {name} is not accepted (see its status)");
        if (lastGood is not null)
        {
            routeProblem = routeProblem with { Message = $"{routeProblem.Message}; the rule keeps enforcing {lastGood.Describe()}" };
        }
        var status = new ObjectStatus { Object = key, Generation = generation, Conditions = conditions };
        return new PolicyOutcome(status, new PolicyEnforcement(lastGood?.Blocks, routeProblem), lastGood);
    }
}
