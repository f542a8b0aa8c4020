using System.Diagnostics.Metrics;

namespace Konnect.Gateway.Metrics;

/// <summary>
/// Process and .NET runtime state as observable instruments, read from the GC, ThreadPool and Environment APIs at
/// scrape time (nothing runs between scrapes). Names follow Prometheus' process_* convention where one exists.
/// </summary>
internal static class RuntimeMetrics
{
    public static void Register(Meter meter)
    {
        meter.CreateObservableCounter("process_cpu_seconds_total", static () => Environment.CpuUsage.TotalTime.TotalSeconds,
            unit: "s", description: "User and system CPU time spent by the process, in seconds.");
        meter.CreateObservableGauge("process_resident_memory_bytes", static () => Environment.WorkingSet,
            unit: "By", description: "Resident memory of the process, in bytes.");
        meter.CreateObservableGauge("dotnet_gc_heap_bytes", static () => GC.GetTotalMemory(forceFullCollection: false),
            unit: "By", description: "Bytes currently allocated on the managed heap.");
        meter.CreateObservableCounter("dotnet_gc_allocated_bytes_total", static () => GC.GetTotalAllocatedBytes(),
            unit: "By", description: "Bytes allocated on the managed heap since the process started.");
        meter.CreateObservableCounter("dotnet_gc_collections_total", static () => new[]
            {
                new Measurement<long>(GC.CollectionCount(0), new KeyValuePair<string, object?>("generation", "0")),
                new Measurement<long>(GC.CollectionCount(1), new KeyValuePair<string, object?>("generation", "1")),
                new Measurement<long>(GC.CollectionCount(2), new KeyValuePair<string, object?>("generation", "2")),
            },
            description: "Garbage collections since the process started, by generation.");
        meter.CreateObservableGauge("dotnet_threadpool_threads", static () => ThreadPool.ThreadCount,
            description: "Thread pool threads that currently exist.");
        meter.CreateObservableGauge("dotnet_threadpool_queue_length", static () => ThreadPool.PendingWorkItemCount,
            description: "Work items queued to the thread pool and not yet started.");
    }
}
