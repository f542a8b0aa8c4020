using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Konnect.Model;
using Konnect.Gateway.Mirroring;
using Konnect.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Gateway.Tests.Mirroring;

/// <summary>rules[].mirror over real sockets: a primary and a mirror Kestrel backend behind a real gateway.</summary>
public sealed class MirrorTests
{
    /// <summary>One request as the mirror backend received it.</summary>
    private sealed record Copy(string Method, string PathAndQuery, string? MirrorHeader, string? ApiKey, string Body);

    private static async Task<(ScriptedBackend Backend, ConcurrentQueue<Copy> Copies)> MirrorBackendAsync(Func<HttpContext, Task>? hold = null)
    {
        var copies = new ConcurrentQueue<Copy>();
        var backend = await ScriptedBackend.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers;
            copies.Enqueue(new Copy(context.Request.Method, context.Request.Path + context.Request.QueryString.Value,
                headers[RequestMirror.MirrorHeader].FirstOrDefault(), headers["x-api-key"].FirstOrDefault(), body));
            if (hold is not null) { await hold(context); }
            context.Response.StatusCode = 500;
        });
        return (backend, copies);
    }

    /// <summary>Echoes method, path, query and body length, so the test sees what the primary got.</summary>
    private static Task<ScriptedBackend> PrimaryAsync(Func<Task>? before = null) => ScriptedBackend.StartAsync(async context =>
    {
        if (before is not null) { await before(); }
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        await context.Response.WriteAsync($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} {body.Length}");
    });

    private static RouteModel Mirrored(string name, string primary, string mirror, int percent = 100, string prefix = "/") =>
        Routes.Route(name, primary, Routes.Prefix(prefix)) with
        {
            Mirrors = [Mirror(mirror, percent)],
        };

    private static MirrorModel Mirror(string url, int percent = 100, string name = "mirror") =>
        new() { Backend = new BackendModel { Name = name, Weight = 1, Endpoints = [url] }, Percent = percent };

    /// <summary>
    /// Every copy is counted in flight before the primary request is sent, so once the client has its answers and
    /// nothing is in flight, every copy that will ever be sent has been received.
    /// </summary>
    private static async Task AllCopiesSettledAsync(TestGateway gateway)
    {
        var mirror = gateway.Services.GetRequiredService<RequestMirror>();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (mirror.InFlight > 0) { await Task.Delay(10, guard.Token); }
    }

    [Fact]
    public async Task Mirror_Percent100_SendsOneCopyPerRequestWithTheRewrittenPathQueryBodyAndMirrorHeader()
    {
        await using var primary = await PrimaryAsync();
        var (mirrorBackend, copies) = await MirrorBackendAsync();
        await using var _ = mirrorBackend;
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Mirrored("m", primary.Url("/p"), mirrorBackend.Url("/copy"), prefix: "/app") with { RewritePathPrefix = "/v2" });

        Assert.Equal("GET /p/v2/items?x=1 0", await gateway.BodyAsync("/app/items?x=1", headers: [("x-api-key", "k1"), (RequestMirror.MirrorHeader, "forged")]));
        using (var post = await gateway.Traffic.PostAsync("/app/orders", new StringContent("hello mirror")))
        {
            Assert.Equal("POST /p/v2/orders 12", await post.Content.ReadAsStringAsync());
        }
        await AllCopiesSettledAsync(gateway);

        Assert.Equal(2, mirrorBackend.RequestCount);
        var received = copies.OrderBy(c => c.Method, StringComparer.Ordinal).ToArray();
        Assert.Equal(new Copy("GET", "/copy/v2/items?x=1", "true", "k1", ""), received[0]);
        Assert.Equal(new Copy("POST", "/copy/v2/orders", "true", null, "hello mirror"), received[1]);
        Assert.Equal(2, primary.RequestCount);
    }

    [Fact]
    public async Task Mirror_ThreeMirrors_EachSampledByItsOwnPercent()
    {
        await using var primary = await PrimaryAsync();
        var (first, firstCopies) = await MirrorBackendAsync();
        var (second, secondCopies) = await MirrorBackendAsync();
        var (never, _) = await MirrorBackendAsync();
        await using (first) await using (second) await using (never)
        {
            await using var gateway = await TestGateway.StartAsync();
            await gateway.PublishAsync(Routes.Route("m", primary.Url("/p"), Routes.Prefix("/")) with
            {
                Mirrors = [Mirror(first.Url("/a"), name: "a"), Mirror(second.Url("/b"), name: "b"), Mirror(never.Url("/c"), percent: 0, name: "c")],
            });

            for (var i = 0; i < 3; i++)
            {
                using var post = await gateway.Traffic.PostAsync($"/orders/{i}", new StringContent("body"));
                Assert.Equal($"POST /p/orders/{i} 4", await post.Content.ReadAsStringAsync());
            }
            await AllCopiesSettledAsync(gateway);

            Assert.Equal(["/a/orders/0", "/a/orders/1", "/a/orders/2"], firstCopies.Select(c => c.PathAndQuery).Order(StringComparer.Ordinal));
            Assert.Equal(["/b/orders/0", "/b/orders/1", "/b/orders/2"], secondCopies.Select(c => c.PathAndQuery).Order(StringComparer.Ordinal));
            Assert.All(firstCopies.Concat(secondCopies), c => Assert.Equal("body", c.Body));
            Assert.Equal(0, never.RequestCount);
            Assert.Equal(3, primary.RequestCount);
        }
    }

    [Fact]
    public async Task Mirror_BackendStillHoldsItsCopy_ClientGetsThePrimaryAnswer()
    {
        var mirrorArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (mirrorBackend, _) = await MirrorBackendAsync(async context =>
        {
            mirrorArrived.TrySetResult();
            await release.Task.WaitAsync(context.RequestAborted);
        });
        await using var __ = mirrorBackend;
        // The primary answers only once the copy has reached the mirror, so the mirror is provably holding it meanwhile.
        await using var primary = await PrimaryAsync(() => mirrorArrived.Task);
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Mirrored("hang", primary.Url(), mirrorBackend.Url()));

        Assert.Equal("GET /x 0", await gateway.BodyAsync("/x"));
        Assert.False(release.Task.IsCompleted);
        Assert.Equal(1, gateway.Services.GetRequiredService<RequestMirror>().InFlight);
        release.SetResult();
        await AllCopiesSettledAsync(gateway);
    }

    [Fact]
    public async Task Mirror_BackendRefusesConnections_ClientUnaffected()
    {
        // Bound but not listening: connections to it are refused, and no one else can take the port meanwhile.
        using var closed = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        closed.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)closed.LocalEndPoint!).Port;
        await using var primary = await PrimaryAsync();
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Mirrored("down", primary.Url(), $"http://127.0.0.1:{port}"));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("GET /x 0", await gateway.BodyAsync("/x"));
        }
        await AllCopiesSettledAsync(gateway);
        Assert.Equal(3, primary.RequestCount);
        var metrics = await gateway.Admin.GetStringAsync("/metrics");
        Assert.Contains("konnect_mirror_requests_total{outcome=\"failed\"} 3", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mirror_Percent0_SendsNoCopy()
    {
        await using var primary = await PrimaryAsync();
        var (mirrorBackend, copies) = await MirrorBackendAsync();
        await using var _ = mirrorBackend;
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(
            Mirrored("none", primary.Url(), mirrorBackend.Url(), percent: 0, prefix: "/none"),
            Mirrored("all", primary.Url(), mirrorBackend.Url(), percent: 100, prefix: "/all"));

        for (var i = 0; i < 5; i++) { Assert.Equal("GET /none 0", await gateway.BodyAsync("/none")); }
        Assert.Equal("GET /all 0", await gateway.BodyAsync("/all"));
        await AllCopiesSettledAsync(gateway);

        Assert.Equal("/all", Assert.Single(copies).PathAndQuery);
    }

    [Fact]
    public async Task Mirror_RequestRefusedByAPolicy_NotMirrored()
    {
        await using var primary = await PrimaryAsync();
        var (mirrorBackend, copies) = await MirrorBackendAsync();
        await using var _ = mirrorBackend;
        await using var gateway = await TestGateway.StartAsync();
        var denied = Mirrored("denied", primary.Url(), mirrorBackend.Url(), prefix: "/denied") with
        {
            Policies = new PoliciesModel
            {
                IpAccess = new IpAccessModel { Policy = "test/ip", Allow = [], Deny = ["127.0.0.0/8", "::1/128"], TrustedProxies = [], ForwardedHeader = "X-Forwarded-For" },
            },
        };
        await gateway.PublishAsync(denied, Mirrored("open", primary.Url(), mirrorBackend.Url(), prefix: "/open"));

        using (var refused = await gateway.GetAsync("/denied"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        Assert.Equal("GET /open 0", await gateway.BodyAsync("/open"));
        await AllCopiesSettledAsync(gateway);

        Assert.Equal("/open", Assert.Single(copies).PathAndQuery);
        Assert.Equal(1, primary.RequestCount);
    }

    [Fact]
    public async Task Mirror_BodyAboveTheBufferedLimit_ReachesThePrimaryWholeAndIsNotMirrored()
    {
        await using var primary = await PrimaryAsync();
        var (mirrorBackend, copies) = await MirrorBackendAsync();
        await using var _ = mirrorBackend;
        await using var gateway = await TestGateway.StartAsync();
        await gateway.PublishAsync(Mirrored("big", primary.Url(), mirrorBackend.Url()));

        var big = new string('a', MirrorSamplingMiddleware.MaxBodySize + 1);
        using (var post = await gateway.Traffic.PostAsync("/big", new StringContent(big)))
        {
            Assert.Equal($"POST /big {big.Length}", await post.Content.ReadAsStringAsync());
        }
        var small = new string('b', MirrorSamplingMiddleware.MaxBodySize);
        using (var post = await gateway.Traffic.PostAsync("/small", new StringContent(small)))
        {
            Assert.Equal($"POST /small {small.Length}", await post.Content.ReadAsStringAsync());
        }
        await AllCopiesSettledAsync(gateway);

        var copy = Assert.Single(copies);
        Assert.Equal(("/small", small.Length), (copy.PathAndQuery, copy.Body.Length));
    }
}
