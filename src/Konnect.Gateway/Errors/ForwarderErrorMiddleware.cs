using Konnect.Gateway.Resilience;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Errors;

/// <summary>
/// Runs inside YARP's pipeline. YARP reports a failed forward by status code and <see cref="IForwarderErrorFeature"/>
/// only, with an empty body; this gives the client a problem document saying which side failed.
/// </summary>
internal sealed class ForwarderErrorMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);

        if (context.Features.Get<IForwarderErrorFeature>() is not { } error
            || context.Response.HasStarted
            || context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var (problem, detail) = error.Exception switch
        {
            Polly.CircuitBreaker.BrokenCircuitException =>
                (Problem.CircuitOpen, "The backend failed too often recently; the gateway is not sending it requests until its circuit breaker closes."),
            TryTimeoutException =>
                (Problem.UpstreamTimeout, "The upstream did not answer within the retry policy's per-try timeout."),
            _ => Classify(error.Error, error.Exception),
        };

        if (problem is not null)
        {
            await ProblemResponse.WriteAsync(context, problem, detail!);
        }
    }

    private static (Problem?, string?) Classify(ForwarderError error, Exception? exception) => error switch
    {
        ForwarderError.NoAvailableDestinations =>
            (Problem.NoDestination, "Every upstream destination of the route is unhealthy, unavailable or has no weight."),
        ForwarderError.RequestTimedOut =>
            (Problem.UpstreamTimeout, "The upstream did not respond within the route's timeout."),
        // A body that grew past the gateway's limit on the way (a declared length over it never gets here).
        ForwarderError.RequestBodyClient when RequestBodyFailure.TooLarge(exception) =>
            (Problem.RequestTooLarge, "The request body is larger than the gateway accepts (konnect run --max-request-body-size)."),
        // The client's own side failed (aborted, bad body): YARP already chose a 4xx/5xx status; leave it bodiless.
        ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient => (null, null),
        _ when IsTlsFailure(exception) =>
            (Problem.UpstreamUnreachable, "The TLS handshake with the upstream failed: its certificate is not trusted for the backend's name (see the backend's tls settings)."),
        _ => (Problem.UpstreamUnreachable, "The upstream refused, reset or broke the connection."),
    };

    private static bool IsTlsFailure(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Security.Authentication.AuthenticationException) { return true; }
        }
        return false;
    }
}
