using Konnect.Kubernetes;
using Konnect.Model;
using Microsoft.Extensions.Logging;

namespace Konnect.Controller.Status;

/// <summary>One problem as its Warning Event says it: the condition's reason, and a note naming what it concerns.</summary>
internal readonly record struct Refusal(string Reason, string Note);

/// <summary>
/// The Warning Events (and log lines) a status writer records for an object's refusals: each distinct refusal once
/// while it stands, recorded again only after it went away and came back. Best effort: a failed Event is logged.
/// </summary>
internal sealed partial class RefusalEvents(KubeApiClient client, StatusWriterOptions options, TimeProvider time, ILogger logger, string verdict)
{
    private readonly Dictionary<ObjectRef, HashSet<Refusal>> _sent = [];

    public void Clear() => _sent.Clear();

    public void Forget(ObjectRef r) => _sent.Remove(r);

    /// <summary>Forgets the objects <paramref name="keep"/> no longer holds.</summary>
    public void KeepOnly<T>(IReadOnlyDictionary<ObjectRef, T> keep)
    {
        foreach (var gone in _sent.Keys.Where(k => !keep.ContainsKey(k)).ToList()) { _sent.Remove(gone); }
    }

    /// <summary>
    /// Records, in the order given, each of <paramref name="refusals"/> (the object's refusals now) not recorded yet,
    /// except those the object already carried (<paramref name="before"/>: a new leader finds them there).
    /// </summary>
    public async Task RecordAsync(ObjectRef r, string apiVersion, string? uid, IReadOnlyCollection<Refusal> refusals, IReadOnlySet<Refusal>? before,
        CancellationToken cancellationToken)
    {
        if (!_sent.TryGetValue(r, out var sent)) { _sent[r] = sent = []; }
        sent.IntersectWith(refusals);
        foreach (var refusal in refusals)
        {
            if (sent.Contains(refusal) || before?.Contains(refusal) == true) { continue; }
            LogRefused(logger, r.ToString(), verdict, refusal.Reason, refusal.Note);
            try
            {
                await client.CreateEventAsync(WarningEvents.Create(r, apiVersion, uid, refusal.Reason, refusal.Note, options, time.GetUtcNow()),
                    cancellationToken).ConfigureAwait(false);
                sent.Add(refusal);
            }
            catch (Exception e) when (e is KubeApiException or HttpRequestException or IOException)
            {
                // The log line above says it too.
                LogEventFailed(logger, r.ToString(), e.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: {Verdict} ({Reason}): {Note}")]
    private static partial void LogRefused(ILogger logger, string @object, string verdict, string reason, string note);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: could not record an Event: {Error}")]
    private static partial void LogEventFailed(ILogger logger, string @object, string error);
}
