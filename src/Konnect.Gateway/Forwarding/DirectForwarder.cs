using System.Diagnostics;
using System.Net.Sockets;
using Konnect.Gateway.Observability.RequestIds;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// Konnect's own HTTP/1.1 exchange with a plain-HTTP upstream: the request head written straight from the client's
/// request into a pooled buffer, the response head parsed into the client's response, bodies relayed as they arrive.
/// It replaces YARP's HttpClient-based forwarder for the requests <see cref="DirectForwarderMiddleware"/> hands it
/// (no HttpRequestMessage, header collections or Uri per request) and reports failures in YARP's terms, so error
/// pages, passive health, metrics and the access log see the same thing from either forwarder.
/// </summary>
internal sealed partial class DirectForwarder(UpstreamTargets targets, ILogger<DirectForwarder> logger)
{
    /// <summary>The longest a connect may take (SocketsHttpHandler's ConnectTimeout as the gateway sets it).</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);

    private enum Phase { RequestHead, RequestBody, ResponseHead, ResponseBody }

    /// <returns>The outcome; HeadCopied says the upstream's status and fields were already copied onto the response.</returns>
    public async ValueTask<(ForwarderError Error, Exception? Exception, bool HeadCopied)> ForwardAsync(
        HttpContext context, UpstreamTarget target, string requestTarget, TimeSpan timeout)
    {
        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;
        var length = context.Request.ContentLength;
        var chunked = hasBody && length is null;
        if (!hasBody && length is not 0) { length = null; }
        var bodyless = HttpMethods.IsHead(context.Request.Method);
        var aborted = context.RequestAborted;
        for (var attempt = 0; ; attempt++)
        {
            var pool = target.Pool!;
            // A retry never takes another pooled connection: it could be as stale as the first.
            var connection = attempt == 0 ? pool.RentIdle(Stopwatch.GetTimestamp(), targets.IdleTicks) : null;
            var reused = connection is not null;
            // Bytes or a close that came while the connection sat idle (a late 408, an answer longer than it said)
            // would be read as this request's answer; such a connection is not used (HttpClient checks the same).
            if (reused && connection!.PeerClosedOrSpoke())
            {
                connection.Dispose();
                (connection, reused) = (null, false);
            }
            if (connection is null)
            {
                var connectTimeout = timeout < ConnectTimeout ? timeout : ConnectTimeout;
                try
                {
                    connection = await UpstreamConnection.ConnectAsync(pool.EndPoint, connectTimeout, aborted);
                }
                catch (Exception e)
                {
                    var error = aborted.IsCancellationRequested ? ForwarderError.RequestCanceled
                        : e is OperationCanceledException && timeout <= ConnectTimeout ? ForwarderError.RequestTimedOut
                        : ForwarderError.Request;
                    return Failed(target, error, e, headCopied: false);
                }
            }
            if (!connection.Begin(context, timeout, hasBody, out var registration))
            {
                // Closed between the pool and here: try a new one.
                connection.Dispose();
                continue;
            }

            var phase = Phase.RequestHead;
            var reusable = false;
            try
            {
                var headLength = RequestHead.Write(connection, context, target, requestTarget, length, chunked);
                await connection.SendAllAsync(connection.Buffer.AsMemory(0, headLength));
                if (hasBody)
                {
                    phase = Phase.RequestBody;
                    await RequestBody.SendAsync(connection, context, length, timeout);
                }
                phase = Phase.ResponseHead;
                var framing = await ResponseHead.ReadAsync(connection, context, timeout, bodyless);
                // Over whatever the upstream sent, before the body starts the answer: the gateway's id is the one the
                // client sees (YARP's pipeline does the same with a response transform).
                RequestIdMiddleware.Stamp(context);
                phase = Phase.ResponseBody;
                reusable = await ResponseBody.RelayAsync(connection, context, framing, timeout) && framing.KeepAlive;
                return (ForwarderError.None, null, true);
            }
            catch (Exception e) when (attempt == 0 && reused && IsStale(e, phase, hasBody, connection, aborted))
            {
                // The upstream closed the pooled connection (its own idle timeout) as this request reached it: no byte
                // of an answer came, so it goes again on a new connection, as HttpClient does.
                continue;
            }
            catch (Exception e)
            {
                return Failed(target, Classify(e, phase, connection, aborted), e, connection.HeadCopied);
            }
            finally
            {
                registration.Dispose();
                if (connection.Finish() && reusable) { pool.Return(connection, Stopwatch.GetTimestamp()); }
                else { connection.Dispose(); }
            }
        }
    }

    private static bool IsStale(Exception e, Phase phase, bool hasBody, UpstreamConnection connection, CancellationToken aborted) =>
        !aborted.IsCancellationRequested && !connection.TimedOut && !connection.ClientAborted && connection.End == 0
        && (phase == Phase.RequestHead || (phase == Phase.ResponseHead && !hasBody))
        && e is UpstreamClosedException { Partial: false } or SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown };

    private static ForwarderError Classify(Exception e, Phase phase, UpstreamConnection connection, CancellationToken aborted)
    {
        var clientGone = aborted.IsCancellationRequested || connection.ClientAborted;
        return phase switch
        {
            Phase.RequestHead or Phase.ResponseHead when connection.TimedOut => ForwarderError.RequestTimedOut,
            Phase.RequestHead or Phase.ResponseHead => clientGone ? ForwarderError.RequestCanceled : ForwarderError.Request,
            Phase.RequestBody when connection.TimedOut => ForwarderError.RequestTimedOut,
            Phase.RequestBody when clientGone => ForwarderError.RequestBodyCanceled,
            Phase.RequestBody => e is ClientSideException ? ForwarderError.RequestBodyClient : ForwarderError.RequestBodyDestination,
            _ when connection.TimedOut => ForwarderError.ResponseBodyDestination,
            _ when clientGone => ForwarderError.ResponseBodyCanceled,
            _ => e is ClientSideException ? ForwarderError.ResponseBodyClient : ForwarderError.ResponseBodyDestination,
        };
    }

    private (ForwarderError, Exception?, bool) Failed(UpstreamTarget target, ForwarderError error, Exception e, bool headCopied)
    {
        LogFailed(logger, target.Address, error, e.Message);
        return (error, e, headCopied);
    }

    [LoggerMessage(EventId = 60, Level = LogLevel.Information, Message = "Forwarding to {Destination} failed ({Error}): {Reason}")]
    private static partial void LogFailed(ILogger logger, string destination, ForwarderError error, string reason);
}
