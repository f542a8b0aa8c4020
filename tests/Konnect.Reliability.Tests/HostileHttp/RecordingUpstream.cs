using Konnect.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Konnect.Reliability.Tests.HostileHttp;

/// <summary>One request as the upstream's Kestrel parsed it (the target as sent, still encoded).</summary>
/// <param name="Complete">The whole body arrived (false: the gateway cut it off, so the request never counted).</param>
public sealed record RecordedRequest(string Connection, string Method, string Target, IReadOnlyDictionary<string, string> Fields, long BodyLength, bool Complete);

/// <summary>
/// A real Kestrel upstream that records every request it parsed and answers "answer to METHOD TARGET", so a client can
/// tell which request an answer belongs to, and a test can tell whether the upstream ever saw a request the client did
/// not cleanly send.
/// </summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly WebApplication _app = LoopbackApp.Create();
    private readonly List<RecordedRequest> _requests = [];

    private RecordingUpstream() { }

    public int Port => _app.Port();

    public IReadOnlyList<RecordedRequest> Requests { get { lock (_requests) { return [.. _requests]; } } }

    public static async Task<RecordingUpstream> StartAsync()
    {
        var upstream = new RecordingUpstream();
        upstream._app.Run(upstream.ServeAsync);
        await upstream._app.StartAsync();
        return upstream;
    }

    /// <summary>What a client must read for a request it sent.</summary>
    public static string AnswerTo(string method, string target) => $"answer to {method} {target}";

    private async Task ServeAsync(HttpContext context)
    {
        var request = context.Request;
        // The gateway enforces the client's limits; this upstream takes anything it is sent.
        context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null;
        long length = 0;
        var complete = true;
        var buffer = new byte[16384];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer, context.RequestAborted)) > 0) { length += read; }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or BadHttpRequestException)
        {
            complete = false;
        }
        // The target as it came on the wire: a decoded path would hide whether an encoded CR LF stayed encoded.
        var target = context.Features.Get<IHttpRequestFeature>()!.RawTarget;
        var fields = request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.Ordinal);
        lock (_requests) { _requests.Add(new RecordedRequest(context.Connection.Id, request.Method, target, fields, length, complete)); }
        if (!complete) { return; }
        await context.Response.WriteAsync(AnswerTo(request.Method, target));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
