using Konnect.Gateway.Errors;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// A rule's deadline (an HTTPRoute's timeouts) over the upstream exchange, answer included. Both forwarders stop on
/// <see cref="HttpContext.RequestAborted"/>, so for the exchange it is the client's token linked with a timer: when the
/// timer fires before the answer starts the client gets 504, after it the answer is cut, as when the upstream breaks.
/// </summary>
internal sealed class RequestDeadlineMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context) =>
        context.Features.Get<IKonnectRouteFeature>()?.Route.Deadline is { } deadline ? WithDeadlineAsync(context, deadline) : next(context);

    private async Task WithDeadlineAsync(HttpContext context, TimeSpan deadline)
    {
        var client = context.RequestAborted;
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(client);
        timer.CancelAfter(deadline);
        context.RequestAborted = timer.Token;
        var cancelled = false;
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !client.IsCancellationRequested)
        {
            cancelled = true;
        }
        finally
        {
            context.RequestAborted = client;
        }
        // Read once, right after the exchange: a timer that fires later did not break it.
        var expired = timer.IsCancellationRequested && !client.IsCancellationRequested;
        // Only a forward the timer cancelled: a failure of the upstream's own (refused, reset) keeps its 502, and one
        // that completed just as the timer fired keeps its answer.
        cancelled |= context.Features.Get<IForwarderErrorFeature>()?.Error is ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
            or ForwarderError.ResponseBodyCanceled or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeResponseCanceled;
        if (!expired || !cancelled) { return; }
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }
        context.Response.Clear();
        await ProblemResponse.WriteAsync(context, Problem.UpstreamTimeout, "The upstream's answer was not complete within the route's request timeout.");
    }
}
