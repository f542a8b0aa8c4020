using System.Diagnostics;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Controller.Store;
using Konnect.Controller.Translation;
using Microsoft.Extensions.Logging.Abstractions;

namespace Konnect.Controller.Tests;

/// <summary>
/// The reconcile loop compacts the heap once it has been idle after passes that grew the process, once per burst,
/// never while changes keep arriving, and never twice within the minimum interval.
/// </summary>
public sealed class HeapTrimmerTests
{
    [Fact]
    public async Task AfterAPass_OnceTheLoopIsIdle_CompactsTheHeapOnce()
    {
        var trimmer = new HeapTrimmer(new HeapTrimOptions(TimeSpan.FromMilliseconds(100), TimeSpan.Zero, MinGrowthBytes: 0), NullLogger<HeapTrimmer>.Instance);
        var store = new ResourceStore();
        var publisher = new CountingPublisher();
        using var reconciler = new Reconciler(store, publisher, new NullSink(), NullLogger<Reconciler>.Instance, trimmer: trimmer);
        var fullBlocking = GC.GetGCMemoryInfo(GCKind.FullBlocking).Index;
        await reconciler.StartAsync(CancellationToken.None);
        try
        {
            store.Replace(Snapshot(1));
            await Until(() => trimmer.Count == 1);

            Assert.True(GC.GetGCMemoryInfo(GCKind.FullBlocking).Index > fullBlocking, "no full blocking collection ran");
            // Idle for many more idle periods without a pass: nothing more to give back, so no second pause.
            await Task.Delay(TimeSpan.FromMilliseconds(600));
            Assert.Equal(1, trimmer.Count);
            Assert.Equal(1, publisher.Publishes);

            store.Replace(Snapshot(2));
            await Until(() => trimmer.Count == 2);
        }
        finally
        {
            await reconciler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task WithoutEnoughGrowth_NeverCompacts()
    {
        var trimmer = new HeapTrimmer(new HeapTrimOptions(TimeSpan.FromMilliseconds(50), TimeSpan.Zero, MinGrowthBytes: long.MaxValue), NullLogger<HeapTrimmer>.Instance);
        var store = new ResourceStore();
        var publisher = new CountingPublisher();
        using var reconciler = new Reconciler(store, publisher, new NullSink(), NullLogger<Reconciler>.Instance, trimmer: trimmer);
        await reconciler.StartAsync(CancellationToken.None);
        try
        {
            store.Replace(Snapshot(1));
            await Until(() => publisher.Publishes == 1);
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            Assert.Equal(0, trimmer.Count);
        }
        finally
        {
            await reconciler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ChangesArrivingFasterThanTheIdleTime_PostponeTheCompactionUntilTheyStop()
    {
        var trimmer = new HeapTrimmer(new HeapTrimOptions(TimeSpan.FromSeconds(2), TimeSpan.Zero, MinGrowthBytes: 0), NullLogger<HeapTrimmer>.Instance);
        var store = new ResourceStore();
        var publisher = new CountingPublisher();
        using var reconciler = new Reconciler(store, publisher, new NullSink(), NullLogger<Reconciler>.Instance, trimmer: trimmer);
        await reconciler.StartAsync(CancellationToken.None);
        try
        {
            for (var generation = 1; generation <= 8; generation++)
            {
                store.Replace(Snapshot(generation));
                await Task.Delay(TimeSpan.FromMilliseconds(100));
                Assert.Equal(0, trimmer.Count);
            }
            await Until(() => trimmer.Count == 1);
            Assert.True(publisher.Publishes >= 2, $"{publisher.Publishes} publishes");
        }
        finally
        {
            await reconciler.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ASecondTrim_WaitsForTheMinimumInterval()
    {
        var interval = TimeSpan.FromSeconds(1.5);
        var trimmer = new HeapTrimmer(new HeapTrimOptions(TimeSpan.FromMilliseconds(100), interval, MinGrowthBytes: 0), NullLogger<HeapTrimmer>.Instance);
        var store = new ResourceStore();
        using var reconciler = new Reconciler(store, new CountingPublisher(), new NullSink(), NullLogger<Reconciler>.Instance, trimmer: trimmer);
        await reconciler.StartAsync(CancellationToken.None);
        try
        {
            store.Replace(Snapshot(1));
            await Until(() => trimmer.Count == 1);
            var first = Stopwatch.StartNew();

            store.Replace(Snapshot(2));
            await Until(() => trimmer.Count == 2);

            Assert.True(first.Elapsed >= interval - TimeSpan.FromMilliseconds(50), $"the second trim came {first.Elapsed.TotalMilliseconds:F0} ms after the first");
        }
        finally
        {
            await reconciler.StopAsync(CancellationToken.None);
        }
    }

    private static async Task Until(Func<bool> condition)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), "the condition never held");
            await Task.Delay(10);
        }
    }

    // A route whose rewrite differs per generation, so every snapshot is a change that publishes.
    private static ResourceSnapshot Snapshot(int generation)
    {
        var route = new KonnectRoute
        {
            Metadata = new() { Name = "orders", Namespace = "shop", Generation = generation },
            Spec = new KonnectRouteSpec
            {
                Hosts = ["shop.test"],
                Rules = [new RouteRule { Matches = [new RouteMatch { Path = new PathMatch { Value = $"/v{generation}" } }], Backends = [new RouteBackend { Service = "orders", Port = 80 }] }],
            },
        };
        return ResourceSnapshot.Empty with { Routes = ResourceSnapshot.Empty.Routes.Add(ObjectRef.Of(route), route) };
    }

    private sealed class NullSink : Konnect.Controller.Status.IStatusSink
    {
        public ValueTask ReportAsync(IReadOnlyList<ObjectStatus> statuses, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
