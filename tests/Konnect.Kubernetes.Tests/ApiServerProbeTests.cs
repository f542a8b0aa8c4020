using System.Diagnostics;
using k8s;
using Konnect.Testing;
using Konnect.Testing.Kubernetes;

namespace Konnect.Kubernetes.Tests;

public sealed class ApiServerProbeTests : IAsyncLifetime
{
    private FakeKubeApiServer _server = null!;
    private KubeApiClient _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeKubeApiServer.StartAsync(new FakeKubeApiServerOptions { Port = TestPorts.Free() });
        _client = new KubeApiClient(_server.CreateClientConfig());
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    /// <summary>A call that gets no answer, as every watch and writer makes while the server is down.</summary>
    private async Task<KubeApiException> FailOnceAsync() =>
        await Assert.ThrowsAsync<KubeApiException>(() => _client.GetAsync(ResourceTypes.Services, "shop", "x", CancellationToken.None));

    [Fact]
    public async Task WaitUntilAnsweringAsync_ServerAnswers_CompletesAtOnceWithoutProbing()
    {
        await _client.ListAsync(ResourceTypes.Services, null, new ListOptions(), CancellationToken.None);

        await _client.Probe.WaitUntilAnsweringAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(1));

        Assert.False(_client.Probe.IsDown);
        Assert.Equal(0, _client.Probe.ProbesSent);
    }

    [Fact]
    public async Task WaitUntilAnsweringAsync_ManyWaitersWhileDown_OneProbePerIntervalThenAllReleasedTogether()
    {
        await _server.StopAsync();
        Assert.True((await FailOnceAsync()).IsUnreachable);
        Assert.True(_client.Probe.IsDown);
        var waiters = Enumerable.Range(0, 20).Select(_ => _client.Probe.WaitUntilAnsweringAsync(CancellationToken.None)).ToList();

        var down = Stopwatch.StartNew();
        await Repo.EventuallyAsync(() => Task.FromResult(down.Elapsed > TimeSpan.FromSeconds(3)), "three seconds down", 10);
        var probes = _client.Probe.ProbesSent;
        Assert.All(waiters, w => Assert.False(w.IsCompleted));
        // One probe per 0.5 to 1 s for all twenty waiters, not one each.
        Assert.InRange(probes, 3, 7);

        await _server.RestartAsync();
        var back = Stopwatch.StartNew();
        await Task.WhenAll(waiters).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(back.Elapsed < TimeSpan.FromSeconds(2), $"released {back.Elapsed.TotalSeconds:0.00} s after the server answered again");
        Assert.False(_client.Probe.IsDown);
        Assert.Contains(_server.Requests, r => r.Method == "GET" && r.Path.TrimEnd('/') == "/version");
    }

    [Fact]
    public async Task WaitUntilAnsweringAsync_ServerAnswers503_ReleasedSoCallersBackOffFromTheAnswer()
    {
        await _server.StopAsync();
        await FailOnceAsync();
        var waiter = _client.Probe.WaitUntilAnsweringAsync(CancellationToken.None);

        _server.SetAvailable(false);
        await _server.RestartAsync();

        // An overloaded or failing server still answers: the probe hands over to the callers, which back off from
        // (and honour the Retry-After of) their own error answers instead of being driven at the probe's pace.
        await waiter.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(_client.Probe.IsDown);
    }

    [Fact]
    public async Task WaitUntilAnsweringAsync_EveryWaiterCancelled_StopsProbing()
    {
        await _server.StopAsync();
        await FailOnceAsync();
        using var cancel = new CancellationTokenSource();
        var waiter = _client.Probe.WaitUntilAnsweringAsync(cancel.Token);
        await Repo.EventuallyAsync(() => Task.FromResult(_client.Probe.ProbesSent > 0), "probing", 5);

        // What a stopping host does to its reflectors and writers.
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);
        var probes = _client.Probe.ProbesSent;
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.InRange(_client.Probe.ProbesSent, probes, probes + 1);
        Assert.True(_client.Probe.IsDown, "nobody asked since, so nobody found out");
    }

    [Fact]
    public async Task WaitUntilAnsweringAsync_ClientDisposedWhileDown_StopsProbing()
    {
        await _server.StopAsync();
        await FailOnceAsync();
        using var cancel = new CancellationTokenSource();
        var waiter = _client.Probe.WaitUntilAnsweringAsync(cancel.Token);
        await Repo.EventuallyAsync(() => Task.FromResult(_client.Probe.ProbesSent > 0), "probing", 5);

        // The waiter still waits: only the disposal can stop the probing.
        _client.Dispose();
        var probes = _client.Probe.ProbesSent;
        // Nothing to poll for when the point is that nothing happens: wait out more than two probe intervals.
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        // One probe may have been on its way when the client went.
        Assert.InRange(_client.Probe.ProbesSent, probes, probes + 1);
        Assert.False(waiter.IsCompleted);
        await cancel.CancelAsync();
    }
}
