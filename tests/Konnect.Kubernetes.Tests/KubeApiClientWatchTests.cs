using k8s;
using Konnect.Api.Kubernetes;
using IKubernetesObject = Konnect.Api.Kubernetes.IKubernetesObject;
using Konnect.Testing.Kubernetes;
using static Konnect.Kubernetes.Tests.KubeApiClientTests;

namespace Konnect.Kubernetes.Tests;

public sealed class KubeApiClientWatchTests
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(10);

    private static async Task<List<WatchEvent<T>>> TakeAsync<T>(IAsyncEnumerator<WatchEvent<T>> events, int count) where T : class, IKubernetesObject
    {
        var taken = new List<WatchEvent<T>>();
        while (taken.Count < count && await events.MoveNextAsync().AsTask().WaitAsync(TestTimeout))
        {
            taken.Add(events.Current);
        }
        return taken;
    }

    [Fact]
    public async Task WatchAsync_FromListVersion_DeliversAddedModifiedDeletedInOrder()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        using var client = new KubeApiClient(server.CreateClientConfig());
        server.Put(ResourceTypes.Services, NewService("shop", "before"));
        var list = await client.ListAsync(ResourceTypes.Services, null, new ListOptions(), CancellationToken.None);
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var events = client.WatchAsync(ResourceTypes.Services, "shop", new WatchOptions { ResourceVersion = list.Metadata.ResourceVersion! }, cts.Token).GetAsyncEnumerator(cts.Token);

        var first = TakeAsync(events, 3);
        server.Put(ResourceTypes.Services, NewService("shop", "orders"));
        server.Put(ResourceTypes.Services, NewService("shop", "orders") with { Spec = new ServiceSpec { Ports = [new ServicePort { Port = 8080 }] } });
        server.Put(ResourceTypes.Services, NewService("elsewhere", "ignored"));
        server.Delete(ResourceTypes.Services, "shop", "orders");
        var received = await first;

        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], received.Select(e => e.Type));
        Assert.All(received, e => Assert.Equal("orders", e.Object.Metadata.Name));
        Assert.Equal(8080, received[1].Object.Spec.Ports![0].Port);
        var versions = received.Select(e => long.Parse(e.Object.Metadata.ResourceVersion!)).ToList();
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(3, versions.Distinct().Count());
        Assert.Contains("allowWatchBookmarks=true", server.Requests[^1].Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchAsync_OldVersionStillInHistory_ReplaysMissedEvents()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        using var client = new KubeApiClient(server.CreateClientConfig());
        var from = server.ResourceVersion;
        server.Put(ResourceTypes.Services, NewService("shop", "a"));
        server.Put(ResourceTypes.Services, NewService("shop", "b"));
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var events = client.WatchAsync(ResourceTypes.Services, null, new WatchOptions { ResourceVersion = from }, cts.Token).GetAsyncEnumerator(cts.Token);

        var received = await TakeAsync(events, 2);

        Assert.Equal(["a", "b"], received.Select(e => e.Object.Metadata.Name));
    }

    [Fact]
    public async Task WatchAsync_BookmarkRequested_ReceivesBookmarkWithCurrentVersion()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        using var client = new KubeApiClient(server.CreateClientConfig());
        server.Put(ResourceTypes.KonnectRoutes, NewRoute("shop", "orders", "a.example.com"));
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var events = client.WatchAsync(ResourceTypes.KonnectRoutes, null, new WatchOptions { ResourceVersion = server.ResourceVersion }, cts.Token).GetAsyncEnumerator(cts.Token);

        var bookmark = Assert.Single(await TakeAsync(events, 1));

        Assert.Equal(WatchEventType.Bookmark, bookmark.Type);
        Assert.Equal(server.ResourceVersion, bookmark.Object.Metadata.ResourceVersion);
        Assert.Null(bookmark.Object.Metadata.Name);
    }

    [Fact]
    public async Task WatchAsync_VersionOlderThanHistory_ThrowsGone()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        using var client = new KubeApiClient(server.CreateClientConfig());
        server.Put(ResourceTypes.Services, NewService("shop", "a"));
        var old = server.ResourceVersion;
        server.Put(ResourceTypes.Services, NewService("shop", "b"));
        server.CompactHistory();
        using var cts = new CancellationTokenSource(TestTimeout);

        var error = await Assert.ThrowsAsync<KubeApiException>(async () =>
        {
            await foreach (var _ in client.WatchAsync(ResourceTypes.Services, null, new WatchOptions { ResourceVersion = old }, cts.Token))
            {
            }
        });

        Assert.True(error.IsGone);
        Assert.Equal("Expired", error.Reason);
    }

    [Fact]
    public async Task WatchAsync_StreamDropped_ThrowsStreamDroppedWithoutHanging()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        using var client = new KubeApiClient(server.CreateClientConfig());
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var events = client.WatchAsync(ResourceTypes.Services, null, new WatchOptions { ResourceVersion = server.ResourceVersion }, cts.Token).GetAsyncEnumerator(cts.Token);
        // One event first, so the stream is established (a drop before the headers is "Unreachable" instead).
        server.Put(ResourceTypes.Services, NewService("shop", "a"));
        Assert.Single(await TakeAsync(events, 1));
        var next = events.MoveNextAsync().AsTask();

        server.DropWatches();
        var error = await Assert.ThrowsAsync<KubeApiException>(() => next.WaitAsync(TestTimeout));

        Assert.Equal(0, error.StatusCode);
        Assert.Equal("StreamDropped", error.Reason);
    }

    [Fact]
    public async Task WatchAsync_Http2StreamDropped_ThrowsStreamDropped()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { UseHttps = true });
        using var client = new KubeApiClient(server.CreateClientConfig());
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var events = client.WatchAsync(ResourceTypes.Services, null, new WatchOptions { ResourceVersion = server.ResourceVersion }, cts.Token).GetAsyncEnumerator(cts.Token);
        // One event first, so the stream is established (a drop before the headers is "Unreachable" instead).
        server.Put(ResourceTypes.Services, NewService("shop", "a"));
        Assert.Single(await TakeAsync(events, 1));
        var next = events.MoveNextAsync().AsTask();

        server.DropWatches();
        var error = await Assert.ThrowsAsync<KubeApiException>(() => next.WaitAsync(TestTimeout));

        Assert.Equal("StreamDropped", error.Reason);
    }

    [Fact]
    public async Task WatchAsync_TimeoutSecondsElapsed_EndsEnumerationCleanly()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        using var client = new KubeApiClient(server.CreateClientConfig());
        var options = new WatchOptions { ResourceVersion = server.ResourceVersion, TimeoutSeconds = 1 };
        using var cts = new CancellationTokenSource(TestTimeout);
        var count = 0;

        await foreach (var _ in client.WatchAsync(ResourceTypes.Services, null, options, cts.Token))
        {
            count++;
        }

        Assert.Equal(0, count);
        Assert.Contains("timeoutSeconds=1", server.Requests[^1].Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchAsync_EventsSplitAcrossSmallWritesAndLargeObject_DecodesEach()
    {
        await using var server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { WatchWriteChunkBytes = 7 });
        using var client = new KubeApiClient(server.CreateClientConfig());
        var big = NewService("shop", "big");
        big.Metadata.Annotations = new() { ["blob"] = new string('x', 300_000) };
        server.Put(ResourceTypes.Services, NewService("shop", "small"));
        server.Put(ResourceTypes.Services, big);
        server.Put(ResourceTypes.Services, NewService("shop", "after"));
        using var cts = new CancellationTokenSource(TestTimeout);
        await using var events = client.WatchAsync(ResourceTypes.Services, null, new WatchOptions { ResourceVersion = "0" }, cts.Token).GetAsyncEnumerator(cts.Token);

        var received = await TakeAsync(events, 3);

        Assert.Equal(["after", "big", "small"], received.Select(e => e.Object.Metadata.Name));
        Assert.Equal(300_000, received[1].Object.Metadata.Annotations!["blob"].Length);
    }

    [Fact]
    public async Task WatchAsync_Cancelled_StopsAndReleasesServerWatch()
    {
        await using var server = await FakeKubeApiServer.StartAsync();
        using var client = new KubeApiClient(server.CreateClientConfig());
        using var cts = new CancellationTokenSource();
        var enumerator = client.WatchAsync(ResourceTypes.Services, null, new WatchOptions { ResourceVersion = server.ResourceVersion }, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = enumerator.MoveNextAsync().AsTask();
        await WaitUntilAsync(() => server.OpenWatchCount == 1);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.WaitAsync(TestTimeout));
        await enumerator.DisposeAsync();
        await WaitUntilAsync(() => server.OpenWatchCount == 0);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TestTimeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10);
        }
    }
}
