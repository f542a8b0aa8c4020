using Konnect.Api.Kubernetes;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Konnect.Model;

namespace Konnect.Controller.Status;

/// <summary>
/// Conditions only the data plane can know, such as a JWKS that could not be loaded, laid over the translator's
/// statuses. The translator is pure and never does I/O, so what the gateway learns at run time comes back through
/// here: the reconciler applies <see cref="Overlay"/> to every report and reports again when
/// <see cref="WaitForChangeAsync"/> fires, without retranslating. Thread-safe.
/// </summary>
public sealed class DataPlaneConditions : IDataPlaneReports
{
    private readonly Lock _gate = new();
    private Dictionary<(ObjectRef Object, string Type), Condition> _conditions = [];
    private long _revision;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>Moves on every change; pass the value seen to <see cref="WaitForChangeAsync"/>.</summary>
    public long Revision => Interlocked.Read(ref _revision);

    /// <summary>Sets the data plane's condition of <paramref name="condition"/>'s type on <paramref name="obj"/>.</summary>
    public void Set(ObjectRef obj, Condition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        Change(conditions =>
        {
            if (conditions.TryGetValue((obj, condition.Type), out var old) && old == condition) { return false; }
            conditions[(obj, condition.Type)] = condition;
            return true;
        });
    }

    /// <summary>Removes the data plane's condition of <paramref name="type"/> from <paramref name="obj"/>: the translator's stands again.</summary>
    public void Clear(ObjectRef obj, string type) => Change(conditions => conditions.Remove((obj, type)));

    /// <summary>
    /// The statuses with the data plane's conditions applied. A condition replaces the translator's condition of its
    /// type when that one is True; when the translator already reports a problem of that type, its reason stays
    /// (fix the spec first) and the data plane's message is appended, so neither problem is hidden.
    /// </summary>
    public IReadOnlyList<ObjectStatus> Overlay(IReadOnlyList<ObjectStatus> statuses)
    {
        ArgumentNullException.ThrowIfNull(statuses);
        var conditions = Volatile.Read(ref _conditions);
        if (conditions.Count == 0) { return statuses; }
        var byObject = conditions.GroupBy(c => c.Key.Object).ToDictionary(g => g.Key, g => g.Select(c => c.Value).ToList());
        return statuses.Select(s => byObject.TryGetValue(s.Object, out var extra) ? Apply(s, extra) : s).ToList();
    }

    /// <summary>Completes when <see cref="Revision"/> moves past <paramref name="seenRevision"/>.</summary>
    public async Task WaitForChangeAsync(long seenRevision, CancellationToken cancellationToken)
    {
        Task wait;
        lock (_gate)
        {
            if (_revision != seenRevision) { return; }
            wait = _changed.Task;
        }
        await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static ObjectStatus Apply(ObjectStatus status, List<Condition> extra)
    {
        var merged = status.Conditions.ToList();
        foreach (var condition in extra)
        {
            var index = merged.FindIndex(c => c.Type == condition.Type);
            var generation = index >= 0 ? merged[index].ObservedGeneration : status.Generation;
            if (index < 0) { merged.Add(condition with { ObservedGeneration = generation }); }
            else if (merged[index].Status == "True") { merged[index] = condition with { ObservedGeneration = generation }; }
            else { merged[index] = merged[index] with { Message = $"{merged[index].Message}; also {condition.Message}" }; }
        }
        return status with { Conditions = merged };
    }

    private void Change(Func<Dictionary<(ObjectRef, string), Condition>, bool> change)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            // Copy on write: Overlay reads the dictionary without the lock.
            var next = new Dictionary<(ObjectRef, string), Condition>(_conditions);
            if (!change(next)) { return; }
            Volatile.Write(ref _conditions, next);
            Interlocked.Increment(ref _revision);
            signal = _changed;
            _changed = NewSignal();
        }
        signal.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
