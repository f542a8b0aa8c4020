using Konnect.Api;
using Konnect.Api.Kubernetes;
using Konnect.Api.GatewayApi;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Store;
using Konnect.Controller.Translation.Policies;

namespace Konnect.Controller.Translation.Routes;

/// <summary>Compiles a validated route into a <see cref="RouteCandidate"/>: defaults filled, references resolved.</summary>
/// <param name="enforcements">What each existing policy's rules enforce (its blocks, or its last good ones, or none) and the
/// problem to report; a policy missing from it is not found.</param>
internal sealed class RouteCompiler(BackendResolver backends, IReadOnlyDictionary<ObjectRef, PolicyEnforcement> enforcements)
{
    public RouteCandidate Compile(ObjectRef key, KonnectRoute route)
    {
        var spec = route.Spec;
        var hosts = (spec.Hosts ?? []).Select(h => h.ToLowerInvariant()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var rules = new List<RuleCandidate>(spec.Rules.Count);
        for (var r = 0; r < spec.Rules.Count; r++)
        {
            rules.Add(CompileRule(key, r, spec.Rules[r], spec.Policies ?? [], spec.InheritedPolicies ?? []));
        }
        return new RouteCandidate(key, route, hosts, rules, Tls.RouteTlsResolver.Resolve(key, spec, backends.Certificates, backends.FromCluster),
            RouteApiCompiler.Compile(spec.Api));
    }

    private RuleCandidate CompileRule(ObjectRef key, int index, RouteRule rule, List<string> routePolicies, List<NamespacedName> inherited)
    {
        var matches = (rule.Matches is { Count: > 0 } ms ? ms : [new RouteMatch()]).Select(CompileMatch).ToArray();
        var problems = new List<RouteProblem>();

        // In order, route-level then rule-level: a later policy's block replaces an earlier one's whole.
        PoliciesModel? enforced = null;
        RouteProblem? unenforceable = null;
        // Inherited (Gateway API policy attachment: the Gateway's, then the route's), then the route's, then the rule's.
        var named = inherited.Select(p => new ObjectRef(KonnectPolicy.KindName, p.Namespace, p.Name))
            .Concat(routePolicies.Concat(rule.Policies ?? []).Select(p => new ObjectRef(KonnectPolicy.KindName, key.Namespace, p)));
        foreach (var policyKey in named.Distinct())
        {
            if (!enforcements.TryGetValue(policyKey, out var enforcement))
            {
                var missing = new RouteProblem(Reasons.PolicyNotFound, $"KonnectPolicy {policyKey.Namespace}/{policyKey.Name} not found");
                problems.Add(missing);
                unenforceable ??= missing;
                continue;
            }
            if (enforcement.Problem is { } problem)
            {
                problems.Add(problem);
                if (enforcement.Blocks is null) { unenforceable ??= problem; }
            }
            if (enforcement.Blocks is { } compiled)
            {
                enforced = PoliciesModel.Then(enforced, compiled);
            }
        }

        var resolved = new List<BackendModel>();
        var backendProblems = new List<RouteProblem>();
        var warnings = new List<string>();
        var ai = enforced?.Ai is not null;
        var redirect = Redirect(rule.Redirect);
        var ruleBackends = rule.Backends ?? [];
        if ((ai || redirect is not null) && ruleBackends.Count > 0)
        {
            warnings.Add(ai ? "backends are not used: the rule's policies set ai, so it answers the AI APIs itself"
                : "backends are not used: the rule answers with its redirect");
            ruleBackends = [];
        }
        foreach (var backend in ruleBackends)
        {
            var result = backends.Resolve(key.Namespace, backend);
            if (result.Warning is { } warning) { warnings.Add(warning); }
            if (result.Problem is not null) { backendProblems.Add(result.Problem); }
            else if (result.Model.Weight > 0) { resolved.Add(result.Model); }
        }
        problems.AddRange(backendProblems);
        // Most rules mirror nothing: no list for them.
        MirrorModel[]? mirrors = rule.Mirror is null && rule.Mirrors is null ? null
            : [.. rule.EveryMirror().Select(m => CompileMirror(key.Namespace, m, problems, warnings)).OfType<MirrorModel>()];

        var servable = resolved.Where(b => b.Endpoints.Count > 0).ToArray();
        var where = rule.Name is { } n ? $"rule {n}" : $"rule {index}";
        if (MixedProtocols(resolved) is { } mixed)
        {
            // YARP speaks one protocol per cluster (a rule): guessing per request would break one of the two.
            problems.Add(mixed);
            unenforceable ??= mixed;
        }
        Unavailable? unavailable = unenforceable is { } policyProblem
            // A missing or rejected policy with no last good blocks may be the one that authenticates: fail closed,
            // never serve without it.
            ? new Unavailable(policyProblem.Reason, $"{where}: {policyProblem.Message}")
            : servable.Length > 0 || ai || redirect is not null ? null
            : ruleBackends.Count == 0
                ? new Unavailable(Reasons.InvalidBackend, key.Kind is HttpRoute.KindName or GrpcRoute.KindName
                    ? $"{where}: no valid backendRefs (the route's ResolvedRefs says why)"
                    : $"{where}: no backends, and its policies set no ai block")
            : backendProblems.Count == ruleBackends.Count(b => b.Weight > 0) && backendProblems.Count > 0
                ? new Unavailable(backendProblems[0].Reason, $"{where}: {backendProblems[0].Message}")
            : ruleBackends.All(b => b.Weight == 0)
                ? new Unavailable(Reasons.NoWeightedBackends, $"{where}: every backend has weight 0")
                : new Unavailable(Reasons.NoReadyEndpoints, $"{where}: no ready endpoints for {string.Join(", ", resolved.Select(b => b.Name))}");

        // The Gateway API answers 500 for a rule whose backends are invalid or missing, 503 only when they have no endpoints.
        if (unavailable is not null && key.Kind is HttpRoute.KindName or GrpcRoute.KindName && unenforceable is null
            && unavailable.Reason is not (Reasons.NoReadyEndpoints or Reasons.NoWeightedBackends))
        {
            unavailable = unavailable with { InvalidReference = true };
        }
        TimeSpan? timeout = rule.Timeout is { } t && Duration.TryParse(t, out var value) ? value : null;
        TimeSpan? deadline = rule.RequestTimeout is { } d && Duration.TryParse(d, out var limit) ? limit : null;
        // Silence is bounded too (100 s by default); a deadline past that must not be cut at 100 s.
        if (deadline > (timeout ?? RouteModel.DefaultTimeout)) { timeout = deadline; }
        var policies = enforced is { IsEmpty: false } ? enforced : null;
        return new RuleCandidate(index, rule.Name, matches, servable, rule.Rewrite?.PathPrefix, timeout, problems, unavailable, policies, warnings, mirrors is { Length: > 0 } ? mirrors : null, redirect, deadline);
    }

    private static RedirectModel? Redirect(RouteRedirect? redirect) => redirect is null ? null : new RedirectModel
    {
        Scheme = redirect.Scheme,
        Hostname = redirect.Hostname,
        Port = redirect.Port,
        FullPath = redirect.Path is { Type: "ReplaceFullPath" } full ? full.Value : null,
        PrefixReplacement = redirect.Path is { Type: "ReplacePrefixMatch" } prefix ? prefix.Value : null,
        StatusCode = redirect.StatusCode,
    };

    /// <summary>An unresolvable mirror backend is a ResolvedRefs problem only: it never makes the rule unavailable.</summary>
    private MirrorModel? CompileMirror(string ns, RouteMirror mirror, List<RouteProblem> problems, List<string> warnings)
    {
        var result = backends.Resolve(ns, mirror.Backend);
        if (result.Warning is { } warning) { warnings.Add($"mirror: {warning}"); }
        if (result.Problem is { } problem)
        {
            problems.Add(problem with { Message = $"mirror backend: {problem.Message}" });
            return null;
        }
        return new MirrorModel { Backend = result.Model with { Weight = 1 }, Percent = mirror.Percent };
    }

    private static RouteProblem? MixedProtocols(List<BackendModel> backends)
    {
        var protocols = backends.Select(b => b.Protocol ?? UpstreamProtocol.Http1).Distinct().ToArray();
        if (protocols.Length < 2) { return null; }
        var h2c = backends.Where(b => b.Protocol == UpstreamProtocol.H2c).Select(b => b.Name);
        var http1 = backends.Where(b => b.Protocol is null or UpstreamProtocol.Http1).Select(b => b.Name);
        return new RouteProblem(Reasons.InvalidBackend,
            $"backends mix HTTP/2 (h2c: {string.Join(", ", h2c)}) and HTTP/1.1 ({string.Join(", ", http1)}) upstreams; give every backend of a rule the same appProtocol");
    }

    private static MatchModel CompileMatch(RouteMatch match)
    {
        var path = match.Path ?? new PathMatch();
        var kind = RouteValidator.ToKind(path.Type);
        // Gateway API: a trailing slash on a prefix is ignored ("/foo/" matches "/foo" and "/foo/bar").
        var value = kind == PathKind.PathPrefix && path.Value.Length > 1 ? path.Value.TrimEnd('/') : path.Value;
        if (value.Length == 0) { value = "/"; }
        return new MatchModel
        {
            Rank = 0,
            PathKind = kind,
            Path = value,
            Methods = (match.Methods ?? []).Select(m => m.ToString()).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray(),
            Headers = (match.Headers ?? []).Select(h => new ValueMatchModel(h.Name.ToLowerInvariant(), ToKind(h.Type), h.Value))
                .OrderBy(h => h.Name, StringComparer.Ordinal).ThenBy(h => h.Value, StringComparer.Ordinal).ToArray(),
            Query = (match.Query ?? []).Select(q => new ValueMatchModel(q.Name, ToKind(q.Type), q.Value))
                .OrderBy(q => q.Name, StringComparer.Ordinal).ThenBy(q => q.Value, StringComparer.Ordinal).ToArray(),
        };
    }

    private static ValueKind ToKind(ValueMatchType type) => type == ValueMatchType.RegularExpression ? ValueKind.RegularExpression : ValueKind.Exact;
}
