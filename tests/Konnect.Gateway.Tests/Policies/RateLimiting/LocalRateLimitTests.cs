using System.Net;
using Konnect.Api.V1Alpha1;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Policies.RateLimiting.RateLimits;

namespace Konnect.Gateway.Tests.Policies.RateLimiting;

/// <summary>scope: local over real sockets. Periods are long where counts are checked, so refills cannot blur them.</summary>
public sealed class LocalRateLimitTests : GatewayTest
{
    [Fact]
    public async Task Limit_AdmitsExactlyItsRequests_ThenAnswers429WithoutReachingTheUpstream()
    {
        await Gateway.PublishAsync(Limited(Backend, Block(RateLimitKey.Route, (5, "1m"))));

        for (var i = 1; i <= 5; i++)
        {
            using var ok = await Gateway.GetAsync("/limited/x");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(5, Header(ok, "RateLimit-Limit"));
            Assert.Equal(5 - i, Header(ok, "RateLimit-Remaining"));
            // One request takes 12 s of a 5-per-minute bucket; the bucket is full again after i of them have refilled
            // (less the time the requests themselves took).
            Assert.InRange(Header(ok, "RateLimit-Reset"), 12 * i - 5, 12 * i);
            Assert.Equal("5;w=60", ok.Headers.GetValues("RateLimit-Policy").Single());
        }

        using var refused = await Gateway.GetAsync("/limited/x");
        var retryAfter = await AssertLimitedAsync(refused);
        Assert.InRange(retryAfter, 7, 12);
        Assert.Equal(5, Header(refused, "RateLimit-Limit"));
        Assert.Equal(5, Backend.RequestCount);
    }

    [Fact]
    public async Task Bucket_PeriodPassed_AdmitsAgain()
    {
        // 2 per 4 s: a token comes back every 2 s, long enough that a loaded machine cannot refill one while the
        // burst is counted (with 2 per 1 s it did: a third request got through), short enough to poll for.
        await Gateway.PublishAsync(Limited(Backend, Block(RateLimitKey.Route, (2, "4s"))));
        Assert.Equal(2, await AdmittedUntilLimitedAsync(Gateway, "/limited/x", 10));

        // Poll: a token is back within two seconds; no assertion on how long it took.
        HttpStatusCode status;
        var polls = 0;
        do
        {
            await Task.Delay(100);
            using var response = await Gateway.GetAsync("/limited/x");
            status = response.StatusCode;
        }
        while (status == HttpStatusCode.TooManyRequests && ++polls < 100);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task SeveralLimits_RequestMustPassEvery_HeadersShowTheMostRestrictive()
    {
        await Gateway.PublishAsync(Limited(Backend, Block(RateLimitKey.Route, (10, "1m"), (3, "1h"))));

        using var first = await Gateway.GetAsync("/limited/x");
        Assert.Equal(3, Header(first, "RateLimit-Limit"));
        Assert.Equal(2, Header(first, "RateLimit-Remaining"));
        Assert.Equal("10;w=60, 3;w=3600", first.Headers.GetValues("RateLimit-Policy").Single());
        Assert.Equal(2, await AdmittedUntilLimitedAsync(Gateway, "/limited/x", 10));
        Assert.Equal(3, Backend.RequestCount);
    }

    [Fact]
    public async Task ConsumerKey_ConsumersCountedApart_RequestsWithoutCredentialsByAddress()
    {
        var zedKey = "zed-secret-key";
        var zed = new ConsumerModel { Namespace = "partners", Name = "zed", ApiKeyHashes = [AuthenticationTests.Hash(zedKey)], CredentialsVersion = "z" };
        var authentication = AuthenticationTests.ApiKey with { AnonymousConsumer = "test/guest" };
        var route = Limited(Backend, Block(RateLimitKey.Consumer, (2, "1m")), with: new PoliciesModel { Authentication = authentication });
        var result = await Gateway.Publisher.PublishAsync(TestGateway.Model(route) with { Consumers = [AuthenticationTests.Acme, zed, AuthenticationTests.Guest] }, CancellationToken.None);
        Assert.True(result.Applied);

        Assert.Equal(2, await AdmittedUntilLimitedAsync(Gateway, "/limited/x", 5, ("x-api-key", AuthenticationTests.AcmeKey)));
        // Another key of the same consumer shares its bucket; another consumer has its own.
        using (var sameConsumer = await Gateway.GetAsync("/limited/x", headers: ("x-api-key", AuthenticationTests.AcmeNewKey)))
        {
            await AssertLimitedAsync(sameConsumer);
        }
        Assert.Equal(2, await AdmittedUntilLimitedAsync(Gateway, "/limited/x", 5, ("x-api-key", zedKey)));
        // Anonymous requests are keyed by client address, not pooled under the anonymous consumer with everyone else.
        Assert.Equal(2, await AdmittedUntilLimitedAsync(Gateway, "/limited/x", 5));
    }

    [Fact]
    public async Task ClientAddressKey_AddressesCountedApart_ThroughTrustedProxiesOnly()
    {
        var ipAccess = new IpAccessModel { Policy = "test/ip", TrustedProxies = ["127.0.0.0/8"], ForwardedHeader = "X-Forwarded-For" };
        await Gateway.PublishAsync(Limited(Backend, Block(RateLimitKey.ClientIp, (2, "1m")), with: new PoliciesModel { IpAccess = ipAccess }));

        Assert.Equal(2, await AdmittedUntilLimitedAsync(Gateway, "/limited/x", 5, ("X-Forwarded-For", "203.0.113.7")));
        Assert.Equal(2, await AdmittedUntilLimitedAsync(Gateway, "/limited/x", 5, ("X-Forwarded-For", "203.0.113.8")));
        // A client cannot pick a fresh address by prepending one: the right-most untrusted entry is the client.
        using var spoofed = await Gateway.GetAsync("/limited/x", headers: ("X-Forwarded-For", "198.51.100.1, 203.0.113.8"));
        await AssertLimitedAsync(spoofed);
    }

    [Fact]
    public async Task HeaderKey_ValuesCountedApart_RequestsWithoutTheHeaderByAddress()
    {
        var block = Block(RateLimitKey.Header, (2, "1m")) with { Header = "x-tenant" };
        await Gateway.PublishAsync(Limited(Backend, block));

        Assert.Equal(2, await AdmittedUntilLimitedAsync(Gateway, "/limited/x", 5, ("X-Tenant", "blue")));
        Assert.Equal(2, await AdmittedUntilLimitedAsync(Gateway, "/limited/x", 5, ("X-Tenant", "green")));
        Assert.Equal(2, await AdmittedUntilLimitedAsync(Gateway, "/limited/x", 5));
    }

    [Fact]
    public async Task Counters_Republish_SurviveUnlessTheBlockChanges()
    {
        var block = Block(RateLimitKey.Route, (3, "1m"));
        await Gateway.PublishAsync(Limited(Backend, block));
        Assert.Equal(HttpStatusCode.OK, (await Gateway.GetAsync("/limited/x")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Gateway.GetAsync("/limited/x")).StatusCode);

        // Another route appears: a new model, the same block on the same rule.
        await Gateway.PublishAsync(Limited(Backend, block), Routes.Route("other", Backend.Url("/other"), Routes.Prefix("/other")));
        Assert.Equal(1, await AdmittedUntilLimitedAsync(Gateway, "/limited/x", 5));

        // The owner raises the limit: the block changed, so counting starts afresh under the new limit.
        await Gateway.PublishAsync(Limited(Backend, Block(RateLimitKey.Route, (4, "1m"))));
        Assert.Equal(4, await AdmittedUntilLimitedAsync(Gateway, "/limited/x", 10));
    }

    [Fact]
    public async Task LimitedRule_UpstreamFails_ResponseStillCarriesTheHeaders()
    {
        // Nothing listens on port 1: the gateway answers 502 itself, still with the rate-limit headers.
        var route = Routes.Route("limited", "http://127.0.0.1:1/limited", Routes.Prefix("/limited")) with
        {
            Policies = new PoliciesModel { RateLimit = Block(RateLimitKey.Route, (5, "1m")) },
        };
        await Gateway.PublishAsync(route);
        using var response = await Gateway.GetAsync("/limited/x");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(4, Header(response, "RateLimit-Remaining"));
        await TestGateway.ProblemAsync(response, Problem.UpstreamUnreachable);
    }
}
