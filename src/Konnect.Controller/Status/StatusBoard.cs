using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Microsoft.Extensions.Logging;
using Konnect.Model;

namespace Konnect.Controller.Status;

/// <summary>
/// Keeps the newest status of every object in memory (served on the admin port) and logs each change once:
/// a rejected object at Warning with its reason, so folder-mode users see what a cluster would put in status.
/// Objects that became ready or went away are logged one line each at Information when a pass changes a few of them;
/// a pass that changes many (the first one after start, a folder replaced) logs one summary line at Information and
/// the objects at Debug, so starting on 10,000 routes does not write 10,000 lines.
/// </summary>
public sealed partial class StatusBoard(ILogger<StatusBoard> logger) : IStatusSink, IObjectStatuses
{
    private IReadOnlyList<ObjectStatus> _current = [];

    public IReadOnlyList<ObjectStatus> Current => [.. Volatile.Read(ref _current).OrderBy(s => s.Object)];

    public ValueTask ReportAsync(IReadOnlyList<ObjectStatus> statuses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var (changed, removed) = Diff(Volatile.Read(ref _current), statuses);
        var ready = new List<ObjectRef>();
        foreach (var status in changed)
        {
            foreach (var condition in status.Conditions)
            {
                if (condition.Status == "True") { continue; }
                LogConditionFalse(logger, status.Object.ToString(), condition.Type, condition.Reason, condition.Message);
            }
            if (status.Conditions.All(c => c.Status == "True")) { ready.Add(status.Object); }
        }
        Log(ready, "accepted and programmed", LogReady);
        Log(removed, "removed", LogRemoved);
        Volatile.Write(ref _current, [.. statuses]); // a copy: the caller's list is the caller's to change
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The statuses that are new or whose content changed, and the objects no longer reported. Passes report objects
    /// in the same order and hand back the same status for an object that did not change, so a walk side by side
    /// settles nearly every one by reference; only when objects were added, removed or moved are both indexed. Indexing
    /// 10,000 statuses on every pass was a quarter of an endpoint change's allocations.
    /// </summary>
    internal static (List<ObjectStatus> Changed, List<ObjectRef> Removed) Diff(IReadOnlyList<ObjectStatus> previous, IReadOnlyList<ObjectStatus> next)
    {
        var changed = new List<ObjectStatus>();
        if (previous.Count == next.Count)
        {
            var aligned = true;
            for (var i = 0; i < next.Count && aligned; i++)
            {
                var (before, now) = (previous[i], next[i]);
                if (ReferenceEquals(before, now)) { continue; }
                aligned = before.Object == now.Object;
                if (aligned && !before.SameContent(now)) { changed.Add(now); }
            }
            if (aligned) { return (changed, []); }
            changed.Clear();
        }
        var byObject = new Dictionary<ObjectRef, ObjectStatus>(previous.Count);
        foreach (var status in previous) { byObject[status.Object] = status; }
        foreach (var status in next)
        {
            if (byObject.Remove(status.Object, out var old) && old.SameContent(status)) { continue; }
            changed.Add(status);
        }
        return (changed, [.. byObject.Keys]);
    }

    /// <summary>Above this many objects in one pass, one summary line instead of a line each.</summary>
    internal const int MaxLinesPerPass = 20;

    private void Log(List<ObjectRef> objects, string what, Action<ILogger, LogLevel, string> each)
    {
        var summarize = objects.Count > MaxLinesPerPass;
        var level = summarize ? LogLevel.Debug : LogLevel.Information;
        if (logger.IsEnabled(level))
        {
            foreach (var o in objects) { each(logger, level, o.ToString()); }
        }
        if (summarize) { LogSummary(logger, objects.Count, what); }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: {Type}=False ({Reason}): {Message}")]
    private static partial void LogConditionFalse(ILogger logger, string @object, string type, string reason, string message);

    [LoggerMessage(Message = "{Object}: accepted and programmed")]
    private static partial void LogReady(ILogger logger, LogLevel level, string @object);

    [LoggerMessage(Message = "{Object}: removed")]
    private static partial void LogRemoved(ILogger logger, LogLevel level, string @object);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Count} objects {What} (each logged at Debug)")]
    private static partial void LogSummary(ILogger logger, int count, string what);
}
