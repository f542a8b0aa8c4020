namespace Konnect.Controller.Store;

/// <summary>
/// Holds the current <see cref="ResourceSnapshot"/>. Sources write it; the reconciler waits for changes.
/// Bursts coalesce: a reader that wakes up sees only the newest snapshot.
/// </summary>
public sealed class ResourceStore
{
    private readonly Lock _gate = new();
    private ResourceSnapshot _current = ResourceSnapshot.Empty;
    private long _revision;
    private TaskCompletionSource _changed = NewSignal();

    public ResourceSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Increments on every change; lets readers tell whether they have seen the newest snapshot.</summary>
    public long Revision => Interlocked.Read(ref _revision);

    public void Replace(ResourceSnapshot snapshot) => Update(_ => snapshot);

    public void Update(Func<ResourceSnapshot, ResourceSnapshot> change)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            var next = change(_current);
            if (ReferenceEquals(next, _current)) { return; }
            Volatile.Write(ref _current, next);
            Interlocked.Increment(ref _revision);
            signal = _changed;
            _changed = NewSignal();
        }
        signal.TrySetResult();
    }

    /// <summary>Completes when the revision moves past <paramref name="seenRevision"/>.</summary>
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

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
