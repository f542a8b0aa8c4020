namespace Konnect.Model;

/// <summary>
/// What the data plane serves: every accepted rule, in precedence order, with its backends resolved to endpoints.
/// Immutable; <see cref="Version"/> is a hash of the content, so an unchanged model is recognised and not re-applied.
/// </summary>
public sealed record GatewayModel
{
    public static readonly GatewayModel Empty = new() { Version = "empty", Routes = [] };

    /// <summary>A hash of everything below: equal versions mean equal models.</summary>
    public required string Version { get; init; }

    /// <summary>One entry per accepted rule; within a host, matches are tried by <see cref="MatchModel.Rank"/>.</summary>
    public required IReadOnlyList<RouteModel> Routes { get; init; }

    /// <summary>Accepted consumers, ordered by namespace/name, for authentication and authorization.</summary>
    public IReadOnlyList<ConsumerModel> Consumers { get; init; } = [];

    /// <summary>Certificates for the HTTPS listener; null when no route names one and no default is configured.</summary>
    public TlsModel? Tls { get; init; }

    /// <summary>
    /// The OpenAPI documents of accepted routes that name one and whose document was read (now, or last time it could
    /// be), by "namespace/route": for the developer portal, never for routing.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore] // /config shows what routes; documents are the portal's (and can be large)
    public IReadOnlyDictionary<string, ApiDocumentModel> ApiDocuments { get; init; } = EmptyDocuments;

    private static readonly IReadOnlyDictionary<string, ApiDocumentModel> EmptyDocuments = new Dictionary<string, ApiDocumentModel>();
}

/// <summary>One rule of one KonnectRoute.</summary>
public sealed record RouteModel
{
    /// <summary>"namespace/name/index", unique and stable while the route's rules keep their order.</summary>
    public required string Id { get; init; }
    public required string Namespace { get; init; }
    public required string Route { get; init; }
    public required int RuleIndex { get; init; }
    public string? RuleName { get; init; }

    /// <summary>Lower-case host names, exact or "*.suffix". Empty means any host.</summary>
    public required IReadOnlyList<string> Hosts { get; init; }

    /// <summary>At least one match. A rule without matches gets PathPrefix "/".</summary>
    public required IReadOnlyList<MatchModel> Matches { get; init; }

    /// <summary>Backends with weight above zero and their ready endpoints.</summary>
    public required IReadOnlyList<BackendModel> Backends { get; init; }

    /// <summary>Replaces the matched PathPrefix with this value before proxying.</summary>
    public string? RewritePathPrefix { get; init; }

    /// <summary>How long the upstream may stay silent before the gateway answers 504; <see cref="DefaultTimeout"/> when null.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>The upstream's silence allowed when a rule sets no timeout: YARP's default activity timeout.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(100);

    /// <summary>
    /// How long the upstream exchange may take in all, answer included: before the answer starts the gateway answers
    /// 504, after it the answer is cut (an HTTPRoute rule's timeouts).
    /// </summary>
    public TimeSpan? Deadline { get; init; }

    /// <summary>"http" or "https" when the rule answers requests over that scheme only (a Gateway API route's listeners); null for both.</summary>
    public string? Scheme { get; init; }

    /// <summary>Enforced policy blocks (IP access, CORS, authentication, authorization); null when the rule's policies set none.</summary>
    public PoliciesModel? Policies { get; init; }

    /// <summary>
    /// Set when the rule is accepted but cannot be served (no ready endpoint, missing reference, unusable policy).
    /// The rule still claims its matches and answers 503 with this reason, so traffic never falls through to a
    /// less specific rule that may lack this rule's protection.
    /// </summary>
    public Unavailable? Unavailable { get; init; }

    /// <summary>Redirect to https and HSTS, from the route's spec.tls; null when it sets neither.</summary>
    public RouteTlsModel? Tls { get; init; }

    /// <summary>The rule answers with this redirect itself, with no backend (a rule's redirect, or an HTTPRoute's RequestRedirect).</summary>
    public RedirectModel? Redirect { get; init; }

    /// <summary>True for a rule that answers by itself (a redirect, the AI APIs): it needs no proxy endpoint.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool AnswersItself => Redirect is not null || Policies?.Ai is not null;

    /// <summary>
    /// Where copies of a share of the rule's upstream requests go, each mirror sampled on its own; null when the rule
    /// mirrors nothing or none of its mirror backends resolved.
    /// </summary>
    public IReadOnlyList<MirrorModel>? Mirrors { get; init; }

    /// <summary>The API and version the rule's route serves, with its lifecycle; null when the route declares none.</summary>
    public ApiModel? Api { get; init; }
}

public enum PathKind { Exact, PathPrefix, RegularExpression }

public enum ValueKind { Exact, RegularExpression }

public sealed record MatchModel
{
    /// <summary>Position in Gateway API precedence over the whole model: lower wins.</summary>
    public required int Rank { get; init; }
    public required PathKind PathKind { get; init; }
    /// <summary>The path; for PathPrefix without a trailing slash (except "/"); for RegularExpression the pattern.</summary>
    public required string Path { get; init; }
    /// <summary>Upper-case method names; empty means any.</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];
    public IReadOnlyList<ValueMatchModel> Headers { get; init; } = [];
    public IReadOnlyList<ValueMatchModel> Query { get; init; } = [];
}

public sealed record ValueMatchModel(string Name, ValueKind Kind, string Value);

public sealed record BackendModel
{
    /// <summary>"service:port" or the url, for status, logs and metrics.</summary>
    public required string Name { get; init; }
    public required int Weight { get; init; }
    /// <summary>Absolute base addresses, e.g. "http://10.1.2.3:8080" or "http://legacy.internal:8080/base".</summary>
    public required IReadOnlyList<string> Endpoints { get; init; }

    /// <summary>Set for https backends (the endpoints then start with https://).</summary>
    public BackendTlsModel? Tls { get; init; }

    /// <summary>The protocol spoken to the endpoints; null is HTTP/1.1.</summary>
    public UpstreamProtocol? Protocol { get; init; }
}

/// <summary>How the gateway talks to an upstream.</summary>
public enum UpstreamProtocol
{
    /// <summary>HTTP/1.1 (the default).</summary>
    Http1,

    /// <summary>HTTP/2 over cleartext with prior knowledge: what gRPC servers without TLS speak.</summary>
    H2c,
}

/// <summary>A redirect the rule answers with: each part unset keeps the request's (see the KonnectRoute API's redirect).</summary>
public sealed record RedirectModel
{
    public string? Scheme { get; init; }
    public string? Hostname { get; init; }
    public int? Port { get; init; }
    /// <summary>The whole new path (ReplaceFullPath).</summary>
    public string? FullPath { get; init; }
    /// <summary>What replaces the matched PathPrefix (ReplacePrefixMatch).</summary>
    public string? PrefixReplacement { get; init; }
    public int StatusCode { get; init; } = 302;
}

/// <summary>Why a rule cannot be served; its requests get route-unavailable (503).</summary>
public sealed record Unavailable(string Reason, string Message)
{
    /// <summary>
    /// True when what the rule names is invalid (an HTTPRoute's backendRef to a missing Service or one it may not
    /// use): the Gateway API answers such requests 500, not 503.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool InvalidReference { get; init; }
}
