using System.Net;
using System.Text;
using Konnect.Gateway.Redis;
using Konnect.Gateway.Tests.Infrastructure;
using Konnect.Gateway.Tests.Policies.RateLimiting;
using Konnect.Testing.Ai;
using Konnect.Testing.Redis;
using static Konnect.Gateway.Tests.Ai.AiChatTests;

namespace Konnect.Gateway.Tests.Ai;

/// <summary>scope: cluster token quotas: two gateways share one budget through a real redis-server.</summary>
public sealed class AiClusterQuotaTests : IAsyncLifetime
{
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartNewAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task TwoGateways_SharingRedis_ShareOneTokenBudget()
    {
        await using var fake = await FakeAiProvider.StartAsync(AiWire.OpenAI);
        await using var a = await (await TestGateway.StartAsync(configure: o => o.Redis = new RedisOptions { Address = _redis.Endpoint })).RedisAnsweringAsync();
        await using var b = await (await TestGateway.StartAsync(configure: o => o.Redis = new RedisOptions { Address = _redis.Endpoint })).RedisAnsweringAsync();
        var documents = new[]
        {
            AiSetup.Secret(("p", "k")),
            AiSetup.PolicyAndRoute($$"""
                {{Providers(("p", "OpenAI", fake))}}
                models: [{ name: fast, targets: [{ provider: p }] }]
                maxTokens: 50
                quotas: [{ key: route, period: hour, tokens: 120, scope: cluster }]
                """),
        };
        await AiSetup.ServeAsync(a, documents);
        await AiSetup.ServeAsync(b, documents);
        for (var i = 0; i < 3; i++) { fake.Enqueue(new FakeReply { InputTokens = 10, OutputTokens = 40 }); }

        // Each call reserves its prompt plus the cap of 50 and settles at 50: two fit in 120, the third does not,
        // whichever gateway takes it.
        // A call settles after its answer is sent, so each waits for the one before to end on its gateway (its access
        // log line is written once the call, settlement included, is over): otherwise two reservations could overlap.
        using var first = await EndedAsync(a);
        using var second = await EndedAsync(b);
        using var third = await PostAsync(a);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests), (first.StatusCode, second.StatusCode, third.StatusCode));
        Assert.Equal(2, fake.Calls.Count);
    }

    private static async Task<HttpResponseMessage> EndedAsync(TestGateway gateway)
    {
        var logged = gateway.AccessLog.Lines.Count;
        var response = await PostAsync(gateway);
        await Konnect.Testing.Repo.EventuallyAsync(() => Task.FromResult(gateway.AccessLog.Lines.Count > logged), "the call ended on its gateway");
        return response;
    }

    private static Task<HttpResponseMessage> PostAsync(TestGateway gateway) =>
        gateway.Traffic.PostAsync("/ai/v1/chat/completions",
            new StringContent("""{"model":"fast","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
}
