using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Errors;

/// <summary>
/// Turns an exception nobody handled into a bare 500 problem: the client learns the request id to quote,
/// never the exception, whose message may carry internal addresses or configuration.
/// </summary>
internal sealed partial class LastResortMiddleware(RequestDelegate next, ILogger<LastResortMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
        }
        catch (Exception ex)
        {
            Unhandled(logger, context.TraceIdentifier, ex);
            if (context.Response.HasStarted)
            {
                // Headers are gone: cutting the connection is the only honest signal left.
                context.Abort();
                return;
            }

            context.Response.Clear();
            await ProblemResponse.WriteAsync(context, Problem.Internal, "The gateway failed to handle the request; quote the request id when reporting it.");
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception for request {RequestId}")]
    private static partial void Unhandled(ILogger logger, string requestId, Exception exception);
}
