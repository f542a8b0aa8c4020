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
    private IReadOnlyDictionary<ObjectRef, ObjectStatus> _current = new Dictionary<ObjectRef, ObjectStatus>();

    public IReadOnlyList<ObjectStatus> Current => [.. Volatile.Read(ref _current).Values.OrderBy(s => s.Object)];

    public ValueTask ReportAsync(IReadOnlyList<ObjectStatus> statuses, CancellationToken cancellationToken)
    {
        var previous = Volatile.Read(ref _current);
        var next = statuses.ToDictionary(s => s.Object);
        var ready = new List<ObjectRef>();
        foreach (var status in statuses)
        {
            if (previous.TryGetValue(status.Object, out var old) && old.SameContent(status)) { continue; }
            foreach (var condition in status.Conditions)
            {
                if (condition.Status == "True") { continue; }
                LogConditionFalse(logger, status.Object.ToString(), condition.Type, condition.Reason, condition.Message);
            }
            if (status.Conditions.All(c => c.Status == "True")) { ready.Add(status.Object); }
        }
        var removed = previous.Keys.Where(k => !next.ContainsKey(k)).ToList();
        Log(ready, "accepted and programmed", LogReady);
        Log(removed, "removed", LogRemoved);
        Volatile.Write(ref _current, next);
        return ValueTask.CompletedTask;
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
