using System.Security.Cryptography;
using System.Text;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Store;

namespace Konnect.Controller.Translation.Consumers;

/// <summary>
/// Accepts a KonnectConsumer, reads its credentials from Secrets in its namespace and reports each subscription.
/// Secret values leave this class only as SHA-256 hashes. A missing Secret or key skips that one credential and says
/// so in ResolvedRefs; it never rejects the consumer (its other credentials keep working) and never throws.
/// Unlike a policy, a consumer keeps no last good credentials: deleting a Secret is how a key is revoked, so a
/// credential whose Secret is gone stops working at once.
/// </summary>
internal static class ConsumerTranslator
{
    public static ObjectStatus Translate(ObjectRef key, KonnectConsumer consumer, ResourceSnapshot snapshot) =>
        Translate(key, consumer, snapshot, new Dictionary<ObjectRef, PoliciesModel>(), out _);

    /// <param name="policies">The blocks each policy's rules enforce (compiled now, or its last good ones), for subscription approval.</param>
    /// <param name="model">The consumer for the gateway model when accepted; null otherwise.</param>
    public static ObjectStatus Translate(ObjectRef key, KonnectConsumer consumer, ResourceSnapshot snapshot,
        IReadOnlyDictionary<ObjectRef, PoliciesModel> policies, out ConsumerModel? model)
    {
        model = null;
        var generation = consumer.Metadata.Generation;
        var groups = (consumer.Spec.Groups ?? []).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var subscriptions = new List<SubscriptionStatus>();
        foreach (var subscription in consumer.Spec.Subscriptions ?? [])
        {
            var parts = subscription.Route.Split('/');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                return Rejected(key, generation, $"spec.subscriptions: \"{subscription.Route}\" must be namespace/name");
            }
            subscriptions.Add(Judge(key, groups, subscription.Route, new ObjectRef(KonnectRoute.KindName, parts[0], parts[1]), snapshot, policies));
        }

        var problems = new List<(string Reason, string Message)>();
        var apiKeys = new List<string>();
        var credentials = consumer.Spec.Credentials;
        foreach (var (apiKey, i) in (credentials?.ApiKeys ?? []).Select((k, i) => (k, i)))
        {
            var value = SecretValues.Read(snapshot, key.Namespace, apiKey.SecretName, apiKey.Key ?? "api-key", $"spec.credentials.apiKeys[{i}]", problems);
            if (value is not null) { apiKeys.Add(Hash(value)); }
        }
        string? username = null, passwordHash = null;
        if (credentials?.Basic is { } basic)
        {
            var user = SecretValues.Read(snapshot, key.Namespace, basic.SecretName, "username", "spec.credentials.basic", problems);
            var password = SecretValues.Read(snapshot, key.Namespace, basic.SecretName, "password", "spec.credentials.basic", problems);
            if (user is not null && password is not null)
            {
                username = Encoding.UTF8.GetString(user);
                passwordHash = Hash(password);
            }
        }

        string? jwtIssuer = null, jwtSubject = null;
        if (credentials?.Jwt is { } jwt)
        {
            if (string.IsNullOrEmpty(jwt.Issuer) || string.IsNullOrEmpty(jwt.Subject))
            {
                return Rejected(key, generation, "spec.credentials.jwt: issuer and subject are both required");
            }
            (jwtIssuer, jwtSubject) = (jwt.Issuer, jwt.Subject);
        }

        string? mtlsSubject = null, mtlsSan = null;
        if (credentials?.Mtls is { } mtls && MtlsIdentity.TryNormalise(mtls, out mtlsSubject, out mtlsSan) is { } mtlsProblem)
        {
            return Rejected(key, generation, mtlsProblem);
        }
        const string accepted = "Consumer is valid";
        var resolved = problems.Count == 0
            ? Conditions.True(ConditionTypes.ResolvedRefs, Reasons.ResolvedRefs, credentials is null ? "No credentials to resolve" : "All credentials resolved", generation)
            : Conditions.False(ConditionTypes.ResolvedRefs, problems[0].Reason, string.Join("; ", problems.Select(p => p.Message)) + "; those credentials are skipped", generation);

        var hashes = apiKeys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        model = new ConsumerModel
        {
            Namespace = key.Namespace,
            Name = key.Name,
            Groups = groups,
            Subscriptions = subscriptions.Select(s => s.Route).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            ApiKeyHashes = hashes,
            BasicUsername = username,
            BasicPasswordHash = passwordHash,
            JwtIssuer = jwtIssuer,
            JwtSubject = jwtSubject,
            MtlsSubject = mtlsSubject,
            MtlsSan = mtlsSan,
            CredentialsVersion = Version(hashes, username, passwordHash),
        };
        return new ObjectStatus
        {
            Object = key,
            Generation = generation,
            Conditions = [Conditions.True(ConditionTypes.Accepted, Reasons.Accepted, accepted, generation), resolved],
            Subscriptions = subscriptions,
        };
    }

    /// <summary>Approved when a policy on the route, as enforced, names the consumer or one of its groups.</summary>
    private static SubscriptionStatus Judge(ObjectRef consumer, string[] groups, string text, ObjectRef routeKey, ResourceSnapshot snapshot,
        IReadOnlyDictionary<ObjectRef, PoliciesModel> policies)
    {
        if (!snapshot.Routes.TryGetValue(routeKey, out var route))
        {
            return new SubscriptionStatus { Route = text, State = "Rejected", Message = $"KonnectRoute {text} does not exist" };
        }
        var id = $"{consumer.Namespace}/{consumer.Name}";
        var names = (route.Spec.Policies ?? []).Concat(route.Spec.Rules.SelectMany(r => r.Policies ?? [])).Distinct(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var policyKey = new ObjectRef(KonnectPolicy.KindName, routeKey.Namespace, name);
            if (policies.GetValueOrDefault(policyKey)?.Authorization is not { } authorization) { continue; }
            if (authorization.ApprovedConsumers.Contains(id, StringComparer.Ordinal))
            {
                return new SubscriptionStatus { Route = text, State = "Approved", Message = $"Approved by KonnectPolicy {policyKey.Namespace}/{name}" };
            }
            if (groups.FirstOrDefault(g => authorization.ConsumerGroups.Contains(g, StringComparer.Ordinal)) is { } group)
            {
                return new SubscriptionStatus { Route = text, State = "Approved", Message = $"Group {group} is allowed by KonnectPolicy {policyKey.Namespace}/{name}" };
            }
        }
        return new SubscriptionStatus
        {
            Route = text,
            State = "Pending",
            Message = $"Waiting for the route's owner to list {id} in spec.authorization.approvedConsumers of a KonnectPolicy on the route",
        };
    }

    private static string Hash(byte[] value) => Convert.ToHexStringLower(SHA256.HashData(value));

    private static string Version(string[] hashes, string? username, string? passwordHash)
    {
        if (hashes.Length == 0 && username is null) { return ""; }
        var text = string.Join("\n", hashes) + "\n" + username + "\n" + passwordHash;
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 8));
    }

    private static ObjectStatus Rejected(ObjectRef key, long? generation, string message) => new()
    {
        Object = key,
        Generation = generation,
        Conditions = [Conditions.False(ConditionTypes.Accepted, Reasons.InvalidSpec, message, generation)],
    };
}
