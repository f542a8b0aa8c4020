using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Errors;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Gateway.Policies.IpAccess;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Policies.RateLimiting;

/// <summary>
/// Runs a rule's rateLimit block after authentication: admits the request (RateLimit headers on whatever response
/// follows), refuses it with 429 and Retry-After before it reaches the upstream, or, when a cluster limit cannot reach
/// Redis, follows its failurePolicy.
/// </summary>
internal static class RateLimitGate
{
    public const string LimitHeader = "RateLimit-Limit";
    public const string RemainingHeader = "RateLimit-Remaining";
    public const string ResetHeader = "RateLimit-Reset";
    public const string PolicyHeader = "RateLimit-Policy";

    /// <returns>False when the response has been written and the request must stop here.</returns>
    public static async ValueTask<bool> AdmitAsync(HttpContext context, RateLimitRule rule, ConsumerIdentity? consumer, string? anonymous, IpAccessRule? ipAccess)
    {
        var key = rule.KeyFor(context, consumer, anonymous, ipAccess);
        var decision = await rule.Limiter(context).AcquireAsync(key).ConfigureAwait(false);
        switch (decision.Outcome)
        {
            case RateLimitOutcome.Allowed:
                // Set as the response starts, so they replace any an upstream sent: the gateway owns them on this rule.
                context.Response.OnStarting(static state => ((AdmittedHeaders)state).Write(), new AdmittedHeaders(context.Response, rule, decision));
                return true;
            case RateLimitOutcome.Limited:
                RateLimitMetrics.Rejected.Add(1, new KeyValuePair<string, object?>("policy", rule.Policy));
                Write(context.Response, rule, decision);
                context.Response.Headers.RetryAfter = Number(decision.RetryAfterSeconds);
                await ProblemResponse.WriteAsync(context, Problem.RateLimited,
                    $"The rate limit of KonnectPolicy {rule.Policy} is exhausted; retry in {decision.RetryAfterSeconds} s.").ConfigureAwait(false);
                return false;
            default:
                RateLimitMetrics.Unavailable.Add(1, new KeyValuePair<string, object?>("policy", rule.Policy));
                if (rule.Model.FailurePolicy == RateLimitFailurePolicy.Open) { return true; }
                await ProblemResponse.WriteAsync(context, Problem.RateLimitUnavailable,
                    $"KonnectPolicy {rule.Policy} limits this route cluster-wide and the limit cannot be checked ({decision.Problem}); its failurePolicy is closed.").ConfigureAwait(false);
                return false;
        }
    }

    private static void Write(HttpResponse response, RateLimitRule rule, RateLimitDecision decision)
    {
        var headers = response.Headers;
        headers[LimitHeader] = Number(decision.Limit);
        headers[RemainingHeader] = Number(decision.Remaining);
        headers[ResetHeader] = Number(decision.ResetSeconds);
        headers[PolicyHeader] = rule.PolicyHeader;
    }

    private static string Number(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private sealed class AdmittedHeaders(HttpResponse response, RateLimitRule rule, RateLimitDecision decision)
    {
        public Task Write()
        {
            RateLimitGate.Write(response, rule, decision);
            return Task.CompletedTask;
        }
    }
}
