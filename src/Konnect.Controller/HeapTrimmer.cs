using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Konnect.Controller;

/// <summary>When to give memory back after reconcile passes (`konnect run --heap-trim`).</summary>
/// <param name="Idle">How long the reconcile loop must go without a change before it trims.</param>
/// <param name="MinInterval">The least time between two trims, so a steady trickle of changes pauses rarely.</param>
/// <param name="MinGrowthBytes">How much the resident set must have grown since the last trim; 0 for any pass at all.</param>
public sealed record HeapTrimOptions(TimeSpan Idle, TimeSpan MinInterval, long MinGrowthBytes)
{
    public static HeapTrimOptions Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), 16L * 1024 * 1024);
}

/// <summary>
/// Compacts the managed heap and returns free memory to the operating system once a burst of reconcile passes is
/// over. A pass at 10,000 routes allocates tens of MiB whose survivors die old; the collector then keeps dead objects
/// and empty regions committed until its own budget says otherwise: about 235 MiB resident for 80 MiB of live objects
/// in the scale bench, 190 MiB after a trim. The compaction pauses every thread (about 100 ms at 10,000 routes, a few
/// ms at 100), so it waits for the loop to be idle, for the resident set to have grown, and for the last trim to be
/// <see cref="HeapTrimOptions.MinInterval"/> old; traffic alone never triggers it.
/// </summary>
public sealed partial class HeapTrimmer(HeapTrimOptions options, ILogger<HeapTrimmer> logger, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _residentAfterTrim = Environment.WorkingSet;
    private long? _lastTrim;
    private int _passes;

    /// <summary>
    /// How long the loop should wait for a change before trimming: the idle time, or longer while the last trim is
    /// younger than the minimum interval; null when there is nothing to trim (no pass since, or too little growth).
    /// </summary>
    public TimeSpan? DueIn()
    {
        if (_passes == 0 || (options.MinGrowthBytes > 0 && Environment.WorkingSet - _residentAfterTrim < options.MinGrowthBytes)) { return null; }
        var interval = _lastTrim is { } last ? options.MinInterval - _time.GetElapsedTime(last) : TimeSpan.Zero;
        return interval > options.Idle ? interval : options.Idle;
    }

    /// <summary>Trims so far.</summary>
    public int Count { get; private set; }

    public void AfterPass() => _passes++;

    public void Trim()
    {
        var started = Stopwatch.GetTimestamp();
        var resident = Environment.WorkingSet;
        // Aggressive: compacts every generation and decommits the free space, instead of keeping it for later growth.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.Trim();
        Count++;
        _residentAfterTrim = Environment.WorkingSet;
        _lastTrim = _time.GetTimestamp();
        var collection = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        LogTrimmed(logger, _passes, collection.HeapSizeBytes / 1048576.0, collection.TotalCommittedBytes / 1048576.0, resident / 1048576,
            _residentAfterTrim / 1048576, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        _passes = 0;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Heap trimmed after {Passes} pass(es): managed heap {HeapMiB:F0} MiB ({CommittedMiB:F0} MiB "
        + "committed), resident {BeforeMiB} -> {AfterMiB} MiB, paused {Milliseconds:F0} ms")]
    private static partial void LogTrimmed(ILogger logger, int passes, double heapMiB, double committedMiB, long beforeMiB, long afterMiB, double milliseconds);
}
