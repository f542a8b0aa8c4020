using System.Net;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;

namespace Konnect.Gateway.Tests.Resilience;

public sealed class RetryTests : ResilienceFixture
{
    private static RetryModel Retry(int attempts = 3, double ratio = 0.2, int perSecond = 10, TimeSpan? perTry = null, bool onTimeout = false) => new()
    {
        Policy = "test/retry",
        Attempts = attempts,
        OnConnectFailure = true,
        OnTimeout = onTimeout,
        OnStatuses = [502, 503, 504],
        PerTryTimeout = perTry,
        Methods = ["DELETE", "GET", "HEAD", "OPTIONS", "PUT", "TRACE"],
        BudgetRatio = ratio,
        BudgetMinPerSecond = perSecond,
    };

    [Fact]
    public async Task Get_UpstreamAlways503_RetriedUpToAttempts()
    {
        await Gateway.PublishAsync(Rule(new() { Retry = Retry(attempts: 3) }, A.Url("/a")));
        A.ForcedStatus = 503;

        using var response = await Gateway.GetAsync("/x");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        TestGateway.AssertFromUpstream(response);
        Assert.Equal(3, A.RequestCount);
    }

    [Fact]
    public async Task Get_FirstAttempt503_RetrySucceeds()
    {
        await Gateway.PublishAsync(Rule(new() { Retry = Retry(attempts: 3) }, A.Url("/a")));
        A.FailNext(1, 503);

        Assert.Equal("/a/x", await Gateway.BodyAsync("/x"));
        Assert.Equal(2, A.RequestCount);
    }

    [Fact]
    public async Task Post_Upstream503_NotRetriedByDefault()
    {
        await Gateway.PublishAsync(Rule(new() { Retry = Retry(attempts: 3) }, A.Url("/a")));
        A.ForcedStatus = 503;

        using var withBody = await Gateway.Traffic.PostAsync("/x", new StringContent("order"));
        using var withoutBody = await Gateway.GetAsync("/x", method: HttpMethod.Post);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, withBody.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, withoutBody.StatusCode);
        TestGateway.AssertFromUpstream(withBody);
        TestGateway.AssertFromUpstream(withoutBody);
        Assert.Equal(2, A.RequestCount);
    }

    [Theory]
    [InlineData(5, 3)]
    [InlineData(64 * 1024, 3)]
    [InlineData(64 * 1024 + 1, 1)]
    public async Task Put_BodyWithContentLength_RetriedUpTo64KiB(int length, int expectedAttempts)
    {
        // Up to 64 KiB with a Content-Length the body is kept and sent again; past that it is streamed and sent once.
        await Gateway.PublishAsync(Rule(new() { Retry = Retry(attempts: 3) }, A.Url("/a")));
        A.ForcedStatus = 503;

        using var response = await Gateway.Traffic.PutAsync("/x", new ByteArrayContent(new byte[length]));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        TestGateway.AssertFromUpstream(response);
        Assert.Equal(expectedAttempts, A.RequestCount);
    }

    [Fact]
    public async Task Get_OneEndpointAnswers503_RetryGoesToTheOther()
    {
        await Gateway.PublishAsync(Rule(new() { Retry = Retry(attempts: 2, perSecond: 100) }, A.Url("/a"), B.Url("/b")));
        A.ForcedStatus = 503;

        var seen = new List<string>();
        for (var i = 0; i < 20; i++) { seen.Add(await WhoAsync()); }

        // Whichever endpoint a request tried first, its retry went to the one it had not tried.
        Assert.All(seen, s => Assert.Equal("b", s));
        Assert.Equal(20, B.RequestCount);
    }

    [Fact]
    public async Task Get_FailingUpstream_RetriesStopAtTheBudget()
    {
        // Half a retry earned per request and none per second (the clock is frozen): 10 requests buy 5 retries,
        // so the upstream sees 15 attempts instead of the 30 that attempts=3 alone would allow.
        await Gateway.PublishAsync(Rule(new() { Retry = Retry(attempts: 3, ratio: 0.5, perSecond: 0) }, A.Url("/a")));
        A.ForcedStatus = 503;

        for (var i = 0; i < 10; i++)
        {
            using var response = await Gateway.GetAsync("/x");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            TestGateway.AssertFromUpstream(response);
        }

        Assert.Equal(15, A.RequestCount);
    }

    [Fact]
    public async Task Get_QuietRoute_MinPerSecondAllowsOneRetryEachSecond()
    {
        // No share per request, one retry per second: the second failing request in the same second is not retried,
        // and a second later retries are allowed again.
        await Gateway.PublishAsync(Rule(new() { Retry = Retry(attempts: 2, ratio: 0, perSecond: 1) }, A.Url("/a")));
        A.ForcedStatus = 503;

        await Gateway.BodyAsync("/x");
        Assert.Equal(2, A.RequestCount);
        await Gateway.BodyAsync("/x");
        Assert.Equal(3, A.RequestCount);

        Clock.Advance(TimeSpan.FromSeconds(1));
        await Gateway.BodyAsync("/x");
        Assert.Equal(5, A.RequestCount);
    }

    [Fact]
    public async Task Get_PerTryTimeout_RetriedThen504Problem()
    {
        // 500 ms a try: on a loaded CI machine 200 ms could pass before the second try's request reached the upstream.
        await Gateway.PublishAsync(Rule(new() { Retry = Retry(attempts: 2, perTry: TimeSpan.FromMilliseconds(500), onTimeout: true) }, A.Url("/a")));

        using var response = await Gateway.GetAsync("/hang");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var problem = await TestGateway.ProblemAsync(response, Problem.UpstreamTimeout);
        Assert.EndsWith("/upstream-timeout", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        // The upstream counts a request when its handler starts, which can come just after the gateway gave up on it.
        await Konnect.Testing.Repo.EventuallyAsync(() => Task.FromResult(A.RequestCount == 2), "the retry at the upstream", 5);
        Assert.Equal(2, A.RequestCount);
    }
}
