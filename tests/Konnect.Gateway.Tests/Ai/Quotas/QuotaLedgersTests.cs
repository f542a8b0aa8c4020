using Konnect.Api.V1Alpha1;
using Konnect.Model;
using static Konnect.Gateway.Tests.Ai.Quotas.QuotaFixtures;
using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Tests.Ai.Quotas;

/// <summary>Counters survive model reloads that keep a rule's quotas and prices, and only those.</summary>
public sealed class QuotaLedgersTests
{
    private readonly QuotaClock _clock = new(Noon);

    [Fact]
    public async Task For_SameBlockReloaded_KeepsTheCounts()
    {
        var ledgers = Ledgers(_clock);
        var block = Block([TokenQuota(1_000), CostQuota(5m)], [new AiPriceModel("m", 1.50m, 2m)]);
        Admitted(await ledgers.For("r", block).ReserveAsync(Subject(), 600, 0, "m"));

        // A reload makes new records and lists with the same content (25.0 and 25.00 are the same amount).
        var reloaded = Block([TokenQuota(1_000), CostQuota(5.00m)], [new AiPriceModel("m", 1.5m, 2.00m)]);

        Assert.Same(ledgers.For("r", block), ledgers.For("r", reloaded));
        Assert.Same(ledgers.For("r", block), ledgers.For("r", reloaded));
        Assert.Equal(400, Admitted(await ledgers.For("r", reloaded).ReserveAsync(Subject(), 0, 0, "m")).Remaining);
        Assert.Equal(1, ledgers.Count);
    }

    [Fact]
    public async Task For_QuotasChanged_StartsFromZero()
    {
        var ledgers = Ledgers(_clock);
        Admitted(await ledgers.For("r", Block(TokenQuota(1_000))).ReserveAsync(Subject(), 1_000, 0, "m"));

        var changed = ledgers.For("r", Block(TokenQuota(2_000)));

        Assert.Equal(2_000, Admitted(await changed.ReserveAsync(Subject(), 0, 0, "m")).Remaining);
        Assert.Same(changed, ledgers.For("r", Block(TokenQuota(2_000))));
    }

    [Fact]
    public async Task For_OldBlockStillAskedForAfterAChange_NeitherLedgerStartsOver()
    {
        var ledgers = Ledgers(_clock);
        var before = Block(TokenQuota(1_000));
        var after = Block(TokenQuota(2_000));
        Admitted(await ledgers.For("r", before).ReserveAsync(Subject(), 100, 0, "m"));
        Admitted(await ledgers.For("r", after).ReserveAsync(Subject(), 200, 0, "m"));

        // A call that resolved its rule before the change, then calls of the new model again.
        Assert.Equal(800, Admitted(await ledgers.For("r", before).ReserveAsync(Subject(), 100, 0, "m")).Remaining);
        Assert.Equal(1_600, Admitted(await ledgers.For("r", after).ReserveAsync(Subject(), 200, 0, "m")).Remaining);
        Assert.Equal(2, ledgers.Count);
    }

    [Fact]
    public async Task For_PricesChanged_StartsFromZero()
    {
        var ledgers = Ledgers(_clock);
        var before = ledgers.For("r", Block([TokenQuota(1_000)], [new AiPriceModel("m", 1m, 1m)]));
        Admitted(await before.ReserveAsync(Subject(), 1_000, 0, "m"));

        var after = ledgers.For("r", Block([TokenQuota(1_000)], [new AiPriceModel("m", 2m, 1m)]));

        Assert.NotSame(before, after);
        Assert.Equal(1_000, Admitted(await after.ReserveAsync(Subject(), 0, 0, "m")).Remaining);
        Assert.NotEqual(before.Identity, after.Identity);
    }

    [Fact]
    public async Task For_AnotherRule_HasItsOwnCounts()
    {
        var ledgers = Ledgers(_clock);
        var block = Block(TokenQuota(1_000));
        Admitted(await ledgers.For("a", block).ReserveAsync(Subject(), 1_000, 0, "m"));

        Admitted(await ledgers.For("b", block).ReserveAsync(Subject(), 1_000, 0, "m"));
    }

    [Fact]
    public void Retain_RuleGone_DropsItsLedger()
    {
        var ledgers = Ledgers(_clock);
        var a = ledgers.For("a", Block(TokenQuota(1)));
        ledgers.For("b", Block(TokenQuota(1)));

        ledgers.Retain(new HashSet<string>(["a"]));

        Assert.Equal(1, ledgers.Count);
        Assert.Same(a, ledgers.For("a", Block(TokenQuota(1))));
    }

    [Fact]
    public async Task For_ConcurrentFirstCalls_AgreeOnOneLedger()
    {
        var ledgers = Ledgers(_clock);
        var block = Block(TokenQuota(1_000));
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, 16).Select(async _ => { await start.Task; return ledgers.For("r", block); }).ToArray();
        start.SetResult();

        var seen = await Task.WhenAll(calls);

        Assert.Single(seen.Distinct());
    }

    [Fact]
    public async Task ClusterQuota_NoRedisConfigured_AdmitsAndSaysWhy()
    {
        var ledgers = Ledgers(_clock);
        var ledger = ledgers.For("r", Block(TokenQuota(1_000, scope: RateLimitScope.Cluster), TokenQuota(500)));

        var reservation = Admitted(await ledger.ReserveAsync(Subject(), 400, 0, "m"));

        Assert.Contains("no Redis is configured", reservation.Problem);
        Assert.Equal(reservation.Problem, ledgers.LastRedisProblem);
        // The local quota is still counted.
        Assert.Equal(100, reservation.Remaining);
        Refused(await ledger.ReserveAsync(Subject(), 101, 0, "m"));
        await reservation.SettleAsync(new Konnect.Gateway.Ai.Formats.TokenUsage(10, 0), "m");
    }
}
