using System.Globalization;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Model;

namespace Konnect.Gateway.Portal;

/// <summary>
/// What the developer portal lists: every API with a listed version, grouped as the portal shows them (namespace, then
/// team, then name), built once per applied model from its routes and documents. Only accepted routes are in a model,
/// so a rejected route never reaches the portal. Nothing secret is read: access is described by kind (API key header,
/// JWT issuer), never by credential.
/// </summary>
internal sealed class PortalCatalog
{
    public static readonly PortalCatalog Empty = new("empty", [], null, false);

    private readonly Dictionary<string, PortalCatalog>? _byNamespace;

    private PortalCatalog(string version, IReadOnlyList<PortalApi> apis, ConsumerIndex? viewers, bool hasInternal)
    {
        Version = version;
        Apis = apis;
        Viewers = viewers;
        _byNamespace = hasInternal ? [] : null;
        Tags = [.. apis.SelectMany(a => a.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        Teams = [.. apis.Select(a => a.Team).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        Namespaces = [.. apis.Select(a => a.Namespace).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>The model version it was built from.</summary>
    public string Version { get; }

    /// <summary>The consumers who may sign in (to see internal APIs, and who calls their namespace's APIs); null when there are none.</summary>
    public ConsumerIndex? Viewers { get; }

    /// <summary>
    /// What a viewer sees: every version to everyone, but internal ones only to consumers of their namespace
    /// (<paramref name="viewerNamespace"/> null: not signed in). Options in the search form come from this view too, so
    /// an internal API's tags and team are not shown to others. Built once per namespace and model version.
    /// </summary>
    public PortalCatalog For(string? viewerNamespace)
    {
        if (_byNamespace is null) { return this; }
        var key = viewerNamespace ?? "";
        lock (_byNamespace)
        {
            if (_byNamespace.TryGetValue(key, out var view)) { return view; }
            var apis = Apis.Select(a => (Api: a, Visible: a.Versions.Where(v => !v.Internal || a.Namespace == viewerNamespace).ToList()))
                .Where(a => a.Visible.Count > 0)
                .Select(a => a.Visible.Count == a.Api.Versions.Count ? a.Api : Compose(a.Api.Namespace, a.Api.Name, a.Visible))
                .ToList();
            Sort(apis);
            return _byNamespace[key] = new PortalCatalog(Version, apis, Viewers, false);
        }
    }

    /// <summary>In the portal's order: namespace, team (APIs without one last), name.</summary>
    public IReadOnlyList<PortalApi> Apis { get; }
    public IReadOnlyList<string> Tags { get; }
    public IReadOnlyList<string> Teams { get; }
    public IReadOnlyList<string> Namespaces { get; }

    public PortalApi? Find(string ns, string name) =>
        Apis.FirstOrDefault(a => string.Equals(a.Namespace, ns, StringComparison.Ordinal) && string.Equals(a.Name, name, StringComparison.Ordinal));

    public static PortalCatalog From(GatewayModel model)
    {
        // One entry per route (its rules share spec.api), then per API.
        var versions = new Dictionary<(string Namespace, string Route), List<RouteModel>>();
        foreach (var rule in model.Routes)
        {
            if (rule.Api is not { Listed: true }) { continue; }
            var key = (rule.Namespace, rule.Route);
            if (!versions.TryGetValue(key, out var rules)) { versions[key] = rules = []; }
            rules.Add(rule);
        }

        var apis = new List<PortalApi>();
        foreach (var group in versions.GroupBy(v => (v.Key.Namespace, v.Value[0].Api!.Name)))
        {
            apis.Add(Compose(group.Key.Namespace, group.Key.Name, [.. group.Select(v => VersionOf(v.Value, model))]));
        }
        Sort(apis);
        // The index the gateway's policies use is the publisher's; the portal keeps its own, for viewers who sign in.
        return new PortalCatalog(model.Version, apis, model.Consumers.Count > 0 ? new ConsumerIndex(model.Consumers) : null,
            apis.Any(a => a.Versions.Any(v => v.Internal)));
    }

    /// <summary>
    /// An API from the versions a viewer may see, so that nothing of a version they may not see (its title, team, tags
    /// or document) shows through. The API's face is its current version: the newest published one, else the newest.
    /// </summary>
    private static PortalApi Compose(string ns, string name, List<PortalVersion> versions)
    {
        versions.Sort(static (a, b) => a.State != b.State ? a.State.CompareTo(b.State) : VersionOrder.Instance.Compare(b.Version, a.Version));
        var current = versions[0];
        return new PortalApi
        {
            Namespace = ns,
            Name = name,
            Title = current.Title ?? versions.Select(v => v.Document?.Title).FirstOrDefault(t => t is not null) ?? name,
            Description = current.Description ?? versions.Select(v => v.Document?.Description).FirstOrDefault(t => t is not null),
            Team = current.Team,
            Tags = [.. versions.SelectMany(v => v.Tags).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            Versions = versions,
        };
    }

    private static void Sort(List<PortalApi> apis) =>
        apis.Sort(static (a, b) =>
        {
            var order = string.CompareOrdinal(a.Namespace, b.Namespace);
            if (order != 0) { return order; }
            order = (a.Team is null).CompareTo(b.Team is null);
            if (order != 0) { return order; }
            order = string.CompareOrdinal(a.Team, b.Team);
            return order != 0 ? order : string.CompareOrdinal(a.Name, b.Name);
        });

    private static PortalVersion VersionOf(List<RouteModel> rules, GatewayModel model)
    {
        var first = rules[0];
        var api = first.Api!;
        var policies = first.Policies;
        var document = model.ApiDocuments.GetValueOrDefault($"{first.Namespace}/{first.Route}")
            ?? PromptDocument.Of(rules);
        return new PortalVersion
        {
            Version = api.Version,
            Route = first.Route,
            State = api.State,
            Internal = api.Internal,
            Title = api.Title,
            Description = api.Description,
            Team = api.Team,
            Tags = api.Tags,
            DeprecatedAt = api.DeprecatedAt,
            SunsetAt = api.SunsetAt,
            EnforceSunset = api.EnforceSunset,
            Successor = api.Successor,
            Documentation = api.Documentation,
            Hosts = first.Hosts,
            Paths = [.. rules.SelectMany(r => r.Matches).Select(Path).Distinct(StringComparer.Ordinal)],
            Methods = rules.Any(r => r.Matches.Any(m => m.Methods.Count == 0))
                ? []
                : [.. rules.SelectMany(r => r.Matches).SelectMany(m => m.Methods).Distinct(StringComparer.Ordinal)],
            Access = Access(policies),
            Subscription = policies?.Authorization is { } authorization && (authorization.RequireSubscription || authorization.ApprovedConsumers.Count > 0 || authorization.ConsumerGroups.Count > 0)
                ? new PortalSubscription(authorization.RequireSubscription, authorization.ApprovedConsumers.Count > 0, authorization.Policy, authorization.ConsumerGroups)
                : null,
            RateLimits = policies?.RateLimit is { } limit
                ? [.. limit.Limits.Select(w => $"{w.Requests.ToString(CultureInfo.InvariantCulture)} requests per {Period(w.Period)} per {limit.Key.ToString().ToLowerInvariant()}")]
                : [],
            TokenQuotas = policies?.Ai is { } ai
                ? [.. ai.Quotas.Select(q => (q.Tokens is { } tokens ? $"{tokens.ToString("N0", CultureInfo.InvariantCulture)} tokens" : $"{q.Cost?.ToString(CultureInfo.InvariantCulture)} in cost")
                    + $" per {q.Period.ToString().ToLowerInvariant()} per {q.Key.ToString().ToLowerInvariant()}")]
                : [],
            HasDocument = api.HasDocument || document is not null,
            Document = document,
        };
    }

    private static string Path(MatchModel match) => match.PathKind switch
    {
        PathKind.Exact => match.Path,
        PathKind.PathPrefix => match.Path == "/" ? "/" : match.Path + "/…",
        _ => $"~ {match.Path}",
    };

    private static string Period(TimeSpan period) =>
        period.TotalHours >= 1 && period.TotalHours % 1 == 0 ? $"{period.TotalHours:0}h"
        : period.TotalMinutes >= 1 && period.TotalMinutes % 1 == 0 ? $"{period.TotalMinutes:0}m"
        : $"{period.TotalSeconds:0.###}s";

    /// <summary>How a caller authenticates, by kind: never a key, a hash or a secret's content.</summary>
    private static IReadOnlyList<string> Access(PoliciesModel? policies)
    {
        if (policies?.Authentication is not { } auth) { return []; }
        var ways = new List<string>();
        if (auth.ApiKeyHeader is { } header) { ways.Add($"API key in the {header} header"); }
        if (auth.ApiKeyQuery is { } query) { ways.Add($"API key in the {query} query parameter"); }
        if (auth.BasicRealm is not null) { ways.Add("HTTP Basic"); }
        if (auth.Jwt is { } jwt) { ways.Add($"JWT bearer token from {jwt.Issuer}" + (jwt.RequiredScopes.Count > 0 ? $" with scope {string.Join(' ', jwt.RequiredScopes)}" : "")); }
        if (auth.Mtls is not null) { ways.Add("client certificate (mutual TLS)"); }
        if (auth.AnonymousConsumer is not null) { ways.Add("anonymous calls allowed"); }
        return ways;
    }
}

/// <summary>Versions compare by their numbers where they have them: v10 is newer than v9, 2026-06-01 than 2025-12-01.</summary>
internal sealed class VersionOrder : IComparer<string>
{
    public static readonly VersionOrder Instance = new();

    public int Compare(string? x, string? y)
    {
        var a = Numbers(x);
        var b = Numbers(y);
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            if (a[i] != b[i]) { return a[i].CompareTo(b[i]); }
        }
        return a.Count != b.Count ? a.Count.CompareTo(b.Count) : string.CompareOrdinal(x, y);
    }

    private static List<long> Numbers(string? value)
    {
        var numbers = new List<long>();
        long? current = null;
        foreach (var c in value ?? "")
        {
            // Digits past the 18th are not counted: such a number still sorts by its first 18, without overflowing.
            if (char.IsAsciiDigit(c)) { current = (current ?? 0) < 100_000_000_000_000_000 ? (current ?? 0) * 10 + (c - '0') : current; }
            else if (current is { } n) { numbers.Add(n); current = null; }
        }
        if (current is { } last) { numbers.Add(last); }
        return numbers;
    }
}
