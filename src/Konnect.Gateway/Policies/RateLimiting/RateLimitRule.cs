using System.Security.Cryptography;
using System.Text;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Gateway.Policies.IpAccess;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Gateway.Policies.RateLimiting;

/// <summary>
/// A compiled rateLimit block of one rule: how to find a request's key, and (found on first use, then kept) the
/// limiter that counts it. The key never appears in a response or a log line: it may be a consumer's header value.
/// </summary>
internal sealed class RateLimitRule
{
    private readonly string _identity;
    private IRateLimiter? _limiter;

    private RateLimitRule(RateLimitModel model, string routeId)
    {
        Model = model;
        _identity = RateLimiterRegistry.Identity(routeId, model);
        // RateLimit-Policy (IETF draft): every limit as "quota;w=window-seconds".
        PolicyHeader = string.Join(", ", model.Limits.Select(l => $"{l.Burst};w={(long)Math.Ceiling(l.Period.TotalSeconds)}"));
    }

    public RateLimitModel Model { get; }

    public string Policy => Model.Policy;

    public string PolicyHeader { get; }

    public static RateLimitRule Compile(RateLimitModel model, string routeId) => new(model, routeId);

    public IRateLimiter Limiter(HttpContext context) =>
        _limiter ??= context.RequestServices.GetRequiredService<RateLimiterRegistry>().For(_identity, Model);

    /// <param name="consumer">Who authenticated, or null.</param>
    /// <param name="anonymous">The anonymous consumer's id: requests admitted as it are keyed by address, not shared.</param>
    /// <param name="ipAccess">The rule's ipAccess block, whose trusted proxies decide the client address.</param>
    public string KeyFor(HttpContext context, ConsumerIdentity? consumer, string? anonymous, IpAccessRule? ipAccess)
    {
        switch (Model.Key)
        {
            case RateLimitKey.Route:
                return "";
            case RateLimitKey.Consumer when consumer is not null && !string.Equals(consumer.Id, anonymous, StringComparison.Ordinal):
                return "c:" + consumer.Id;
            case RateLimitKey.Header when context.Request.Headers[Model.Header!] is { Count: > 0 } values:
                // Hashed: the value may be a credential, and it must not be stored in Redis or memory as sent.
                return "h:" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(values.ToString())));
            default:
                return "ip:" + ClientAddress(context, ipAccess);
        }
    }

    private static string ClientAddress(HttpContext context, IpAccessRule? ipAccess)
    {
        var address = ipAccess is not null ? ipAccess.ClientAddress(context) : context.Connection.RemoteIpAddress;
        if (address is { IsIPv4MappedToIPv6: true }) { address = address.MapToIPv4(); }
        return address?.ToString() ?? "unknown";
    }
}
