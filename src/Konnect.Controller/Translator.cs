using System.Security.Cryptography;
using System.Text.Json;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Sources;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Konnect.Controller.Translation.Consumers;
using Konnect.Controller.Translation.GatewayApi;
using Konnect.Controller.Translation.Policies;
using Konnect.Controller.Translation.Portal;
using Konnect.Controller.Translation.Routes;
using Konnect.Controller.Translation.Tls;

namespace Konnect.Controller;

/// <summary>
/// The pure heart of Konnect: a snapshot in, the gateway model and every object's status out. No I/O, no clock, no
/// randomness, so the same snapshot always gives byte-identical output. Each object is judged on its own; an invalid
/// one gets a reason in its status and changes nothing for any other.
/// </summary>
public static class Translator
{
    /// <summary>A translation with no history (first load, `konnect validate`): a policy that cannot be compiled fails its rules.</summary>
    public static TranslationResult Translate(ResourceSnapshot snapshot) => Translate(snapshot, null);

    /// <param name="lastGood">The previous result's <see cref="TranslationResult.LastGoodPolicies"/>: a policy that cannot be
    /// compiled now keeps its rules enforcing these blocks. Still pure: the history is an input like the snapshot.</param>
    public static TranslationResult Translate(ResourceSnapshot snapshot, IReadOnlyDictionary<ObjectRef, LastGoodPolicy>? lastGood) =>
        Translate(snapshot, lastGood, null);

    /// <param name="tls">The default certificate's Secret and the time to judge certificate validity by; null for neither.</param>
    public static TranslationResult Translate(ResourceSnapshot snapshot, IReadOnlyDictionary<ObjectRef, LastGoodPolicy>? lastGood, TlsTranslationOptions? tls) =>
        Translate(snapshot, lastGood, tls, null);

    /// <param name="previous">The last pass's result: routes whose inputs did not change keep their compiled form and
    /// their model instances (see <see cref="CandidateCache"/>). The output is the same as without it.</param>
    /// <param name="fetched">The OpenAPI documents fetched from URLs routes name (<see cref="ApiDocumentFetcher"/>); null
    /// where nothing fetches.</param>
    public static TranslationResult Translate(ResourceSnapshot snapshot, IReadOnlyDictionary<ObjectRef, LastGoodPolicy>? lastGood, TlsTranslationOptions? tls,
        TranslationResult? previous, IReadOnlyDictionary<string, FetchedDocument>? fetched = null)
    {
        var statuses = new List<ObjectStatus>();
        // KonnectRoutes and the routes Ingresses and HTTPRoutes stand for, compiled, ranked and checked together.
        var inputs = InputRoutes.Of(snapshot);

        var policies = new Dictionary<ObjectRef, PolicyEnforcement>();
        var nextLastGood = new Dictionary<ObjectRef, LastGoodPolicy>();
        foreach (var (key, policy) in snapshot.Policies)
        {
            var outcome = PolicyTranslator.Translate(key, policy, snapshot, lastGood?.GetValueOrDefault(key));
            // A policy attached by targetRefs says to what (Gateway API policy attachment).
            statuses.Add(PolicyTargets.WithAttachment(key, policy, outcome.Status, inputs.GatewayApi));
            policies[key] = outcome.Enforcement;
            if (outcome.LastGood is { } good) { nextLastGood[key] = good; }
        }
        // HTTPRoute filters' inline policies: compiled like any policy, reported through their route's ResolvedRefs.
        foreach (var (key, policy) in inputs.GatewayApi.Policies)
        {
            policies[key] = PolicyTranslator.Translate(key, policy, snapshot, null).Enforcement;
        }
        // Subscriptions are judged against what the gateway enforces, last good blocks included.
        var enforced = policies.Where(p => p.Value.Blocks is not null).ToDictionary(p => p.Key, p => p.Value.Blocks!);
        var consumers = new List<ConsumerModel>();
        foreach (var (key, consumer) in snapshot.Consumers)
        {
            statuses.Add(ConsumerTranslator.Translate(key, consumer, snapshot, enforced, out var consumerModel));
            if (consumerModel is not null) { consumers.Add(consumerModel); }
        }

        var certificates = new CertificateLoader(snapshot, tls?.Now);
        var compiler = new RouteCompiler(new BackendResolver(snapshot, EndpointIndex.Of(snapshot), certificates), policies);
        statuses.AddRange(inputs.IngressStatuses);
        var gatewayStatuses = GatewayStatuses.Build(inputs.GatewayApi, snapshot, certificates);
        statuses.AddRange(gatewayStatuses.Statuses);
        var httpRouteStatuses = new Dictionary<ObjectRef, ObjectStatus>();
        foreach (var status in inputs.GatewayApi.Statuses)
        {
            if (status.Parents is null) { statuses.Add(status); }
            else { httpRouteStatuses[status.Object] = status; }
        }
        var candidates = new List<RouteCandidate>(inputs.Routes.Count);
        // By route instance, like the candidate cache: hashing (kind, namespace, name) keys was a visible share of a pass.
        var routeStatuses = new Dictionary<KonnectRoute, ObjectStatus>(inputs.Routes.Count, ReferenceEqualityComparer.Instance);
        var reusable = previous?.Candidates ?? CandidateCache.Empty;
        var nextCache = CandidateCache.For(snapshot, inputs.Routes.Count);
        foreach (var (key, route) in inputs.Routes)
        {
            if (reusable.Get(snapshot, route) is { } kept)
            {
                candidates.Add(kept);
                nextCache.Kept(kept);
                continue;
            }
            if (RouteValidator.Validate(route.Spec) is { } problem)
            {
                routeStatuses[route] = RouteStatuses.Rejected(key, route.Metadata.Generation, problem);
                continue;
            }
            var compiled = compiler.Compile(key, route);
            candidates.Add(compiled);
            nextCache.Compiled(compiled);
        }

        var byAge = OrderUpdate.Sort(previous?.CandidatesByAge, candidates, static c => c, static c => [c], RouteCandidate.CompareAge);
        var conflicts = new ConflictDetector();
        var accepted = new List<RouteCandidate>();
        foreach (var candidate in byAge)
        {
            if (conflicts.TryClaim(candidate) is { } conflict)
            {
                routeStatuses[candidate.Route] = RouteStatuses.Rejected(candidate.Key, candidate.Generation, conflict);
                continue;
            }
            accepted.Add(candidate);
            routeStatuses[candidate.Route] = RouteStatuses.Accepted(candidate);
        }

        var documents = ApiDocumentResolver.Resolve(snapshot, accepted, previous?.Model.ApiDocuments, fetched, routeStatuses);

        // Statuses come out in object order: the (few) others sorted, merged with the route statuses, which come in key
        // order already (sorting 10,000 route statuses took several ms of every pass).
        var routeStatusList = new List<ObjectStatus>(inputs.Routes.Count);
        foreach (var (key, route) in inputs.Routes)
        {
            var status = routeStatuses.GetValueOrDefault(route);
            // An HTTPRoute reports through its parents (Gateway API), with what compiling it found.
            if (httpRouteStatuses.Remove(key, out var parents)) { routeStatusList.Add(HttpRouteStatuses.Complete(parents, status)); }
            else if (status is not null) { routeStatusList.Add(status); }
        }
        // HTTPRoutes no parent accepted: their parents' status says why.
        statuses.AddRange(httpRouteStatuses.Values);
        foreach (var (key, invalid) in snapshot.Invalid)
        {
            if (key.Kind is "KonnectRoute" or "KonnectPolicy" or "KonnectConsumer")
            {
                statuses.Add(new ObjectStatus
                {
                    Object = key,
                    Conditions = [Conditions.False(ConditionTypes.Accepted, invalid.Reason, invalid.Message, null)],
                });
            }
        }
        statuses.Sort(static (a, b) => a.Object.CompareTo(b.Object));
        statuses = Merge(statuses, routeStatusList);

        // Gateway listeners' certificates first: a listener's hostname is the Gateway owner's claim, routes come after.
        var tlsModel = RouteTlsResolver.BuildModel(gatewayStatuses.Certificates.Concat(accepted.Select(r => (r.Key, r.Hosts, r.Tls))), tls, certificates,
            gatewayStatuses.AnyHostCertificate);
        var byPrecedence = OrderUpdate.Sort(previous?.MatchesByPrecedence, accepted, static e => e.Route, Precedence.EntriesOf, Precedence.Compare);
        return new TranslationResult(BuildModel(candidates, accepted, byPrecedence, consumers, tlsModel, documents, previous?.Model), statuses)
        {
            LastGoodPolicies = nextLastGood, Policies = policies, TlsOptions = tls, Candidates = nextCache.Build(),
            CandidatesByAge = byAge, MatchesByPrecedence = byPrecedence,
        };
    }

    private static GatewayModel BuildModel(List<RouteCandidate> candidatesByKey, List<RouteCandidate> accepted, List<Precedence.Entry> entries,
        List<ConsumerModel> consumers, TlsModel? tls, IReadOnlyDictionary<string, ApiDocumentModel> documents, GatewayModel? previous)
    {
        // Ranks per rule, looked up by instance: hashing route keys for every match of every route cost more than the rest.
        var ranks = new Dictionary<RuleCandidate, int[]>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < entries.Count; i++)
        {
            var rule = entries[i].Route.Rules[entries[i].Rule];
            if (!ranks.TryGetValue(rule, out var ruleRanks)) { ranks[rule] = ruleRanks = new int[rule.Matches.Count]; }
            ruleRanks[entries[i].Match] = i;
        }

        var isAccepted = new HashSet<RouteCandidate>(accepted, ReferenceEqualityComparer.Instance);
        Dictionary<string, RouteModel>? previousRules = null;
        var rebuilt = 0;
        var routes = new List<RouteModel>();
        // Candidates come in key order (the snapshot's), which is the model's order.
        foreach (var route in candidatesByKey)
        {
            if (!isAccepted.Contains(route)) { continue; }
            var built = BuiltRules.GetValue(route, static r => new RouteModel?[r.Rules.Count]);
            for (var r = 0; r < route.Rules.Count; r++)
            {
                var rule = route.Rules[r];
                var ruleRanks = ranks.GetValueOrDefault(rule) ?? [];
                // A reused candidate whose ranks did not move keeps the model it was given last time, unbuilt.
                if (built[r] is { } kept && HasRanks(kept, ruleRanks))
                {
                    routes.Add(kept);
                    continue;
                }
                // A change to one route rebuilds a rule or two: finding their previous models by a scan is cheaper than
                // indexing 10,000 of them; past a few, the index pays.
                if (previousRules is null && ++rebuilt > 8) { previousRules = previous?.Routes.ToDictionary(m => m.Id, StringComparer.Ordinal) ?? []; }
                var name = ModelNames.Of(route.Key);
                var model = KeepUnchanged(previousRules, previous, new RouteModel
                {
                    Id = $"{route.Key.Namespace}/{name}/{rule.Index}",
                    Namespace = route.Key.Namespace,
                    Route = name,
                    RuleIndex = rule.Index,
                    RuleName = rule.Name,
                    Hosts = route.Hosts,
                    Scheme = route.Route.Spec.Scheme,
                    Matches = rule.Matches.Select((m, i) => m with { Rank = ruleRanks[i] }).ToArray(),
                    Backends = rule.Backends,
                    RewritePathPrefix = rule.RewritePathPrefix,
                    Timeout = rule.Timeout,
                    Deadline = rule.Deadline,
                    Policies = rule.Policies,
                    Unavailable = rule.Unavailable,
                    Tls = route.Tls?.Model,
                    Mirrors = rule.Mirrors,
                    Redirect = rule.Redirect,
                    Api = route.Api,
                });
                built[r] = model;
                routes.Add(model);
            }
        }
        return WithVersion(new GatewayModel { Version = "", Routes = routes, Consumers = consumers, Tls = tls, ApiDocuments = documents });
    }

    /// <summary>Two lists in object order as one.</summary>
    private static List<ObjectStatus> Merge(List<ObjectStatus> a, List<ObjectStatus> b)
    {
        if (a.Count == 0) { return b; }
        var merged = new List<ObjectStatus>(a.Count + b.Count);
        var (i, j) = (0, 0);
        while (i < a.Count && j < b.Count) { merged.Add(a[i].Object.CompareTo(b[j].Object) <= 0 ? a[i++] : b[j++]); }
        while (i < a.Count) { merged.Add(a[i++]); }
        while (j < b.Count) { merged.Add(b[j++]); }
        return merged;
    }

    private static bool HasRanks(RouteModel model, int[] ranks)
    {
        if (model.Matches.Count != ranks.Length) { return false; }
        for (var i = 0; i < ranks.Length; i++)
        {
            if (model.Matches[i].Rank != ranks[i]) { return false; }
        }
        return true;
    }

    // Each candidate's rule models as last built: a rule model is a function of its candidate and its ranks alone.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RouteCandidate, RouteModel?[]> BuiltRules = [];

    /// <summary>
    /// The previous instance when the rule is unchanged, so its hash (and the data plane's work for it) is reused. A
    /// rule whose ranks alone moved is a new instance, but shares its lists with the previous one, which is what the
    /// data plane needs to keep its work (see <see cref="RouteModelIdentity.SameExceptRanks"/>).
    /// </summary>
    private static RouteModel KeepUnchanged(Dictionary<string, RouteModel>? index, GatewayModel? previous, RouteModel fresh)
    {
        var old = index is not null ? index.GetValueOrDefault(fresh.Id) : previous?.Routes.FirstOrDefault(m => string.Equals(m.Id, fresh.Id, StringComparison.Ordinal));
        return old is not null && RouteModelIdentity.SameRanks(old, fresh) && RouteModelIdentity.SameExceptRanks(old, fresh) ? old : fresh;
    }

    internal static GatewayModel WithVersion(GatewayModel model) => model with { Version = Hash(model) };

    /// <summary>
    /// A hash of hashes, one per rule: the endpoint fast path and a full pass over unchanged routes keep every untouched
    /// <see cref="RouteModel"/> instance, so only the rules rebuilt are serialised again (at 10,000 rules that is most
    /// of a pass's cost).
    /// </summary>
    private static string Hash(GatewayModel model)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // The rules' hashes go in as one buffer: one native call instead of one per rule (10,000 of them).
        var hashes = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(1, model.Routes.Count * 32));
        try
        {
            var at = 0;
            foreach (var route in model.Routes)
            {
                RouteHashes.GetValue(route, static r => SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(r, ModelJsonContext.Default.RouteModel))).CopyTo(hashes, at);
                at += 32;
            }
            hash.AppendData(hashes, 0, at);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(hashes);
        }
        // Serialised consumers carry CredentialsVersion (not the hashes), so a key rotation changes the version.
        // Models without consumers hash exactly as before consumers existed.
        foreach (var consumer in model.Consumers)
        {
            hash.AppendData(JsonSerializer.SerializeToUtf8Bytes(consumer, ModelJsonContext.Default.ConsumerModel));
        }
        // Certificates serialise with their fingerprints (never the key), so a rotated Secret changes the version.
        if (model.Tls is { } tls)
        {
            hash.AppendData(JsonSerializer.SerializeToUtf8Bytes(tls, ModelJsonContext.Default.TlsModel));
        }
        // Documents by their digests (a hash of their text), in key order; models without documents hash as before.
        foreach (var (id, document) in model.ApiDocuments.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes($"{id}={document.Digest};"));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset().AsSpan(0, 8));
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RouteModel, byte[]> RouteHashes = [];
}
