using System.ComponentModel.DataAnnotations;
using System.ComponentModel;
using Konnect.Api.Kubernetes;

namespace Konnect.Api.V1Alpha1;

[Description("KonnectPolicy says how traffic is treated: authentication, limits, caching, transforms, resilience. Every block is optional.")]
[CustomResource("KonnectPolicy", "konnectpolicies", ShortNames = ["kp"], Categories = ["konnect"])]
[PrinterColumn("Accepted", "string", ".status.conditions[?(@.type==\"Accepted\")].status")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed record KonnectPolicy : IKubernetesObject
{
    public const string KindName = "KonnectPolicy";
    public string ApiVersion { get; set; } = KonnectGroup.ApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();
    public KonnectPolicySpec Spec { get; set; } = new();
    public KonnectStatus? Status { get; set; }
}

/// <summary>
/// The policy blocks, each optional. A block a release does not enforce yet is rejected (Accepted=False, reason
/// Unsupported) and routes that use it answer 503, so nothing is ever served without a policy its owner asked for.
/// </summary>
public sealed record KonnectPolicySpec
{
    [Description("Who is calling: mtls, apiKey, basic, jwt, anonymous fallback. No or bad credentials get 401.")]
    public AuthenticationPolicy? Authentication { get; set; }
    [Description("Which authenticated consumers may call: consumer groups, approved consumers, subscription. A known consumer that is not allowed gets 403.")]
    public AuthorizationPolicy? Authorization { get; set; }
    [Description("Requests per period with burst, keyed by consumer, client address, a header or the route; counted per pod (local) or shared through Redis (cluster). Refused requests get 429.")]
    public RateLimitPolicy? RateLimit { get; set; }
    [Description("Response caching of GET and HEAD answers for a ttl, keyed per consumer on authenticated routes; x-cache: HIT | MISS.")]
    public CachePolicy? Cache { get; set; }
    [Description("Cross-origin resource sharing: allowed origins, methods, headers, credentials; preflights answered by the gateway.")]
    public CorsPolicy? Cors { get; set; }
    [Description("Client address allow and deny lists, checked before anything else on the request.")]
    public IpAccessPolicy? IpAccess { get; set; }
    [Description("Header, path, query and JSON body changes on the way upstream.")]
    public RequestTransformPolicy? RequestTransform { get; set; }
    [Description("Header and JSON body changes on the way back.")]
    public ResponseTransformPolicy? ResponseTransform { get; set; }
    [Description("Retries of failed upstream attempts (idempotent methods by default), each to an endpoint not tried yet, bounded by a retry budget.")]
    public RetryPolicy? Retry { get; set; }
    [Description("Per backend: stop sending to a failing backend for a while and answer 503 circuit-open instead.")]
    public CircuitBreakerPolicy? CircuitBreaker { get; set; }
    [Description("How an endpoint is chosen (RoundRobin, LeastRequests, PowerOfTwoChoices, Random, First) and session affinity by cookie or header.")]
    public LoadBalancingPolicy? LoadBalancing { get; set; }
    [Description("Active probes and passive ejection of failing endpoints; unhealthy endpoints get no traffic.")]
    public HealthCheckPolicy? HealthCheck { get; set; }
    [Description("The AI gateway: model providers and their keys, model aliases, splits and fallbacks, token and spend quotas, prompt APIs and the prompt guard. The rule then answers the OpenAI and Anthropic APIs under its path itself.")]
    public AiPolicy? Ai { get; set; }

    [Description("Gateway API policy attachment: Gateways, HTTPRoutes and GRPCRoutes in the policy's namespace this policy applies to. On a Gateway it applies to every route attached to it; on a route to every rule of it. More specific policies override: the Gateway's blocks first, then the route's, then a rule's ExtensionRef.")]
    [MaxLength(16)]
    public List<PolicyTargetReference>? TargetRefs { get; set; }
}

[CelRule("self.group == 'gateway.networking.k8s.io' && self.kind in ['Gateway', 'HTTPRoute', 'GRPCRoute']", "a policy targets a gateway.networking.k8s.io Gateway, HTTPRoute or GRPCRoute")]
public sealed record PolicyTargetReference
{
    [Required, MaxLength(253)]
    public string Group { get; set; } = "";

    [Required, MaxLength(63)]
    public string Kind { get; set; } = "";

    [Required, MaxLength(253)]
    public string Name { get; set; } = "";
}
