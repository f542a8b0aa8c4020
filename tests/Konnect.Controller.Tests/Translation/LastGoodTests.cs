using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Sources;
using Konnect.Controller.Status;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Microsoft.Extensions.Logging.Abstractions;

namespace Konnect.Controller.Tests.Translation;

/// <summary>
/// A policy that breaks keeps its routes enforcing its last good blocks (never 503 for a typo, never open); without a
/// last good version (first load, restart, validate, a deleted policy) its routes answer 503.
/// </summary>
public sealed class LastGoodTests : IDisposable
{
    private static readonly ObjectRef Guard = new(KonnectPolicy.KindName, "shop", "guard");
    private static readonly ObjectRef Orders = new(KonnectRoute.KindName, "shop", "orders");
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-lastgood-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Translate_PolicyBecomesInvalid_RoutesKeepLastGoodBlocksAndStatusesSaySo()
    {
        var a = Load();
        var good = Translator.Translate(a);
        var b = WithGuard(a, 4, p => p.Spec with { IpAccess = new IpAccessPolicy { Allow = ["not-a-cidr"] } });

        var broken = Translator.Translate(b, good.LastGoodPolicies);

        var rule = broken.Model.Routes.Single(r => r.Route == "orders");
        Assert.Null(rule.Unavailable);
        Assert.Equal(Json(good.Model.Routes.Single(r => r.Route == "orders").Policies), Json(rule.Policies));
        Assert.Equal(good.Model.Version, broken.Model.Version);
        var policy = Condition(broken, Guard, ConditionTypes.Accepted);
        Assert.Equal(("False", Reasons.InvalidSpec), (policy.Status, policy.Reason));
        Assert.Contains("not-a-cidr", policy.Message);
        Assert.EndsWith("; routes keep enforcing generation 3, the last accepted one", policy.Message);
        var refs = Condition(broken, Orders, ConditionTypes.ResolvedRefs);
        Assert.Equal(("False", Reasons.PolicyNotAccepted), (refs.Status, refs.Reason));
        Assert.Contains("the rule keeps enforcing generation 3, the last accepted one", refs.Message);
        Assert.Equal("True", Condition(broken, Orders, ConditionTypes.Programmed).Status);
        Assert.Equal(3, broken.LastGoodPolicies[Guard].Generation);

        // Still broken at the next generation: the last good one stays generation 3.
        var c = WithGuard(b, 5, p => p.Spec with { Ai = AiNamingUnknownProvider() });
        var stillBroken = Translator.Translate(c, broken.LastGoodPolicies);
        Assert.Equal(good.Model.Version, stillBroken.Model.Version);
        Assert.Equal(Reasons.InvalidSpec, Condition(stillBroken, Guard, ConditionTypes.Accepted).Reason);
        Assert.EndsWith("routes keep enforcing generation 3, the last accepted one", Condition(stillBroken, Guard, ConditionTypes.Accepted).Message);
    }

    [Fact]
    public void Translate_PolicyDeletedThenBackInvalid_AnswersPolicyNotFoundThen503()
    {
        var a = Load();
        var good = Translator.Translate(a);
        var broken = WithGuard(a, 4, p => p.Spec with { IpAccess = new IpAccessPolicy { Allow = ["not-a-cidr"] } });

        var deleted = Translator.Translate(a with { Policies = a.Policies.Remove(Guard) }, good.LastGoodPolicies);
        Assert.Equal(Reasons.PolicyNotFound, deleted.Model.Routes.Single(r => r.Route == "orders").Unavailable?.Reason);
        Assert.False(deleted.LastGoodPolicies.ContainsKey(Guard));

        var back = Translator.Translate(broken, deleted.LastGoodPolicies);
        var rule = back.Model.Routes.Single(r => r.Route == "orders");
        Assert.Equal(Reasons.PolicyNotAccepted, rule.Unavailable?.Reason);
        Assert.Null(rule.Policies);
        Assert.EndsWith("routes that use this policy answer 503 until it is fixed", Condition(back, Guard, ConditionTypes.Accepted).Message);
    }

    [Fact]
    public void Translate_FirstLoadInvalid_Answers503()
    {
        var broken = WithGuard(Load(), 4, p => p.Spec with { IpAccess = new IpAccessPolicy { Allow = ["not-a-cidr"] } });

        var result = Translator.Translate(broken);

        var rule = result.Model.Routes.Single(r => r.Route == "orders");
        Assert.Equal(Reasons.PolicyNotAccepted, rule.Unavailable?.Reason);
        Assert.Null(rule.Policies);
        Assert.Empty(result.LastGoodPolicies);
        Assert.Equal("False", Condition(result, Orders, ConditionTypes.Programmed).Status);
    }

    [Fact]
    public void Translate_KeysSecretDeleted_RoutesKeepLastGoodKeys()
    {
        var a = Load();
        var good = Translator.Translate(a);
        var keys = good.Model.Routes.Single(r => r.Route == "orders").Policies!.Authentication!.Jwt!.Keys;
        Assert.NotNull(keys);

        var broken = Translator.Translate(a with { Secrets = a.Secrets.Clear() }, good.LastGoodPolicies);

        Assert.Equal(keys, broken.Model.Routes.Single(r => r.Route == "orders").Policies!.Authentication!.Jwt!.Keys);
        var refs = Condition(broken, Guard, ConditionTypes.ResolvedRefs);
        Assert.Equal(("False", Reasons.SecretNotFound), (refs.Status, refs.Reason));
        Assert.EndsWith("routes keep enforcing generation 3, the last accepted one", refs.Message);
        Assert.Equal(Reasons.PolicyNotResolved, Condition(broken, Orders, ConditionTypes.ResolvedRefs).Reason);

        // Without history the same snapshot fails closed.
        Assert.Equal(Reasons.PolicyNotResolved, Translator.Translate(a with { Secrets = a.Secrets.Clear() }).Model.Routes.Single(r => r.Route == "orders").Unavailable?.Reason);
    }

    [Fact]
    public void Apply_EndpointChangeWhileKeepingLastGood_SameAsFullTranslationAndMapCarriedForward()
    {
        var a = Load();
        var good = Translator.Translate(a);
        var b = WithGuard(a, 4, p => p.Spec with { IpAccess = new IpAccessPolicy { Allow = ["not-a-cidr"] } });
        var broken = Translator.Translate(b, good.LastGoodPolicies);
        var moved = b with { EndpointSlices = b.EndpointSlices.Clear() };

        var fast = EndpointUpdate.Apply(broken, moved, EndpointUpdate.ChangedServices(b, moved));
        var full = Translator.Translate(moved, good.LastGoodPolicies);

        Assert.Equal(Json(full), Json(fast));
        Assert.Same(broken.LastGoodPolicies, fast.LastGoodPolicies);
        Assert.Equal(Reasons.NoReadyEndpoints, fast.Model.Routes.Single(r => r.Route == "orders").Unavailable?.Reason);
    }

    [Fact]
    public async Task ReconcileAsync_PolicyBreaksAfterGoodPass_KeepsLastGoodBlocks()
    {
        var a = Load();
        var reconciler = new Reconciler(new ResourceStore(), new NullPublisher(), new NullSink(), NullLogger<Reconciler>.Instance);
        var good = await reconciler.ReconcileAsync(a, CancellationToken.None);

        var broken = await reconciler.ReconcileAsync(WithGuard(a, 4, p => p.Spec with { IpAccess = new IpAccessPolicy { Allow = ["x"] } }), CancellationToken.None);

        Assert.Equal(good.Model.Version, broken.Model.Version);
        Assert.Null(broken.Model.Routes.Single(r => r.Route == "orders").Unavailable);
    }

    private ResourceSnapshot Load()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var pem = ec.ExportSubjectPublicKeyInfoPem().Replace("\n", "\n    ", StringComparison.Ordinal);
        var path = Path.Combine(_dir, "case.yaml");
        File.WriteAllText(path, $$"""
            apiVersion: v1
            kind: Secret
            metadata: { name: issuer-keys, namespace: shop }
            stringData:
              keys.pem: |
                {{pem}}
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectPolicy
            metadata: { name: guard, namespace: shop, generation: 3 }
            spec:
              ipAccess: { allow: [10.0.0.0/8] }
              authentication:
                jwt: { issuer: "https://issuer.example", algorithms: [ES256], keysSecret: { secretName: issuer-keys, key: keys.pem } }
            ---
            apiVersion: konnect.dev/v1alpha1
            kind: KonnectRoute
            metadata: { name: orders, namespace: shop }
            spec:
              policies: [guard]
              rules:
                - backends: [{ service: orders, port: 80 }]
            ---
            apiVersion: v1
            kind: Service
            metadata: { name: orders, namespace: shop }
            spec:
              ports: [{ name: http, port: 80, targetPort: 8080 }]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: orders-1, namespace: shop, labels: { kubernetes.io/service-name: orders } }
            addressType: IPv4
            ports: [{ name: http, port: 8080 }]
            endpoints: [{ addresses: [10.0.0.2] }]
            """);
        var snapshot = ManifestSource.LoadPaths([path]);
        Assert.Empty(snapshot.Problems);
        return snapshot;
    }

    private static ResourceSnapshot WithGuard(ResourceSnapshot snapshot, long generation, Func<KonnectPolicy, KonnectPolicySpec> spec)
    {
        var policy = snapshot.Policies[Guard];
        var changed = policy with { Metadata = policy.Metadata with { Generation = generation }, Spec = spec(policy) };
        return snapshot with { Policies = snapshot.Policies.SetItem(Guard, changed) };
    }

    private static Api.Kubernetes.Condition Condition(TranslationResult result, ObjectRef key, string type) =>
        result.Statuses.Single(s => s.Object == key).Conditions.Single(c => c.Type == type);

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, typeof(T), TranslationJsonContext.Default);

    private sealed class NullPublisher : IConfigPublisher
    {
        public ValueTask<PublishResult> PublishAsync(GatewayModel model, CancellationToken cancellationToken) => ValueTask.FromResult(PublishResult.Unchanged);
    }

    private sealed class NullSink : IStatusSink
    {
        public ValueTask ReportAsync(IReadOnlyList<ObjectStatus> statuses, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    /// <summary>An ai block whose model names a provider the policy does not have.</summary>
    private static AiPolicy AiNamingUnknownProvider() => new()
    {
        Providers = [new AiProvider { Name = "openai", Type = AiProviderType.OpenAI, SecretName = "openai" }],
        Models = [new AiModelRoute { Name = "fast", Targets = [new AiTarget { Provider = "anthropic" }] }],
    };
}
