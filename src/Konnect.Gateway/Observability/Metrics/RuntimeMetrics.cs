using Prometheus;

namespace Konnect.Gateway.Observability.Metrics;

/// <summary>
/// Process and .NET runtime state, read from the GC, ThreadPool and Environment APIs when a scrape begins (nothing runs
/// between scrapes). Names follow Prometheus' process_* convention where one exists. prometheus-net's own process and
/// dotnet_* collectors (DotNetStats) are not registered: they live on the library's default registry, which Konnect
/// never serves, and their names differ from these, which dashboards and alerts already use.
/// </summary>
internal static class RuntimeMetrics
{
    private static readonly string[] Generations = ["0", "1", "2"];

    /// <summary>Creates the collectors; returns what reads the runtime into them, to call when a scrape begins.</summary>
    public static Action Register(MetricFactory factory)
    {
        var cpu = factory.CreateCounter("process_cpu_seconds_total", "User and system CPU time spent by the process, in seconds.");
        var resident = factory.CreateGauge("process_resident_memory_bytes", "Resident memory of the process, in bytes.");
        var heap = factory.CreateGauge("dotnet_gc_heap_bytes", "Bytes currently allocated on the managed heap.");
        var allocated = factory.CreateCounter("dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap since the process started.");
        var collections = factory.CreateCounter("dotnet_gc_collections_total", "Garbage collections since the process started, by generation.", "generation");
        var threads = factory.CreateGauge("dotnet_threadpool_threads", "Thread pool threads that currently exist.");
        var queue = factory.CreateGauge("dotnet_threadpool_queue_length", "Work items queued to the thread pool and not yet started.");
        return () =>
        {
            cpu.IncTo(Environment.CpuUsage.TotalTime.TotalSeconds);
            resident.Set(Environment.WorkingSet);
            heap.Set(GC.GetTotalMemory(forceFullCollection: false));
            allocated.IncTo(GC.GetTotalAllocatedBytes());
            for (var generation = 0; generation < Generations.Length; generation++)
            {
                collections.WithLabels(Generations[generation]).IncTo(GC.CollectionCount(generation));
            }

            threads.Set(ThreadPool.ThreadCount);
            queue.Set(ThreadPool.PendingWorkItemCount);
        };
    }
}
