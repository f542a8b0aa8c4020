using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Microsoft.Extensions.Logging;
using Konnect.Model;

namespace Konnect.Controller.Status;

/// <summary>
/// Keeps the newest status of every object in memory (served on the admin port) and logs each change once:
/// a rejected object at Warning with its reason, so folder-mode users see what a cluster would put in status.
/// </summary>
public sealed partial class StatusBoard(ILogger<StatusBoard> logger) : IStatusSink, IObjectStatuses
{
    private IReadOnlyDictionary<ObjectRef, ObjectStatus> _current = new Dictionary<ObjectRef, ObjectStatus>();

    public IReadOnlyList<ObjectStatus> Current => [.. Volatile.Read(ref _current).Values.OrderBy(s => s.Object)];

    public ValueTask ReportAsync(IReadOnlyList<ObjectStatus> statuses, CancellationToken cancellationToken)
    {
        var previous = Volatile.Read(ref _current);
        var next = statuses.ToDictionary(s => s.Object);
        foreach (var status in statuses)
        {
            if (previous.TryGetValue(status.Object, out var old) && Same(old, status)) { continue; }
            foreach (var condition in status.Conditions)
            {
                if (condition.Status == "True") { continue; }
                LogConditionFalse(logger, status.Object.ToString(), condition.Type, condition.Reason, condition.Message);
            }
            if (status.Conditions.All(c => c.Status == "True")) { LogReady(logger, status.Object.ToString()); }
        }
        foreach (var gone in previous.Keys.Where(k => !next.ContainsKey(k))) { LogRemoved(logger, gone.ToString()); }
        Volatile.Write(ref _current, next);
        return ValueTask.CompletedTask;
    }

    private static bool Same(ObjectStatus a, ObjectStatus b) =>
        a.Conditions.SequenceEqual(b.Conditions) && (a.Subscriptions ?? []).SequenceEqual(b.Subscriptions ?? []);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Object}: {Type}=False ({Reason}): {Message}")]
    private static partial void LogConditionFalse(ILogger logger, string @object, string type, string reason, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Object}: accepted and programmed")]
    private static partial void LogReady(ILogger logger, string @object);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Object}: removed")]
    private static partial void LogRemoved(ILogger logger, string @object);
}
