using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Ai;
using Konnect.Gateway.Ai.Quotas;
using Konnect.Model;
using static Konnect.Gateway.Tests.Ai.Quotas.QuotaFixtures;
using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Tests.Ai.Quotas;

/// <summary>scope: local: reserve, settle, release, windows and keys of the in-process ledger.</summary>
public sealed class LocalQuotaLedgerTests
{
    private readonly QuotaClock _clock = new(Noon);

    private QuotaLedger Ledger(params AiQuotaModel[] quotas) => Ledgers(_clock).For("default/ai-route", Block(quotas));

    [Fact]
    public async Task Reserve_Fits_AdmittedWithTheRoomLeft()
    {
        var ledger = Ledger(TokenQuota(10_000));

        var reservation = Admitted(await ledger.ReserveAsync(Subject(), 100, 400, "gpt-4o-mini"));

        Assert.Equal(9_500, reservation.Remaining);
        Assert.Equal(10_000, reservation.Limit);
        Assert.Null(reservation.Problem);
    }

    [Fact]
    public async Task Reserve_DoesNotFit_RefusedWithTheQuotaAndItsReset()
    {
        var ledger = Ledger(TokenQuota(1_000_000, AiQuotaPeriod.Day), TokenQuota(1_000));
        Admitted(await ledger.ReserveAsync(Subject(), 200, 400, "gpt-4o-mini"));

        var refused = Refused(await ledger.ReserveAsync(Subject(), 200, 400, "gpt-4o-mini"));

        Assert.Equal((1, AiQuotaKey.Consumer, AiQuotaPeriod.Minute, false), (refused.Index, refused.Key, refused.Period, refused.IsCost));
        Assert.Equal(1_000m, refused.Limit);
        Assert.Equal(400m, refused.Remaining);
        Assert.Equal(TimeSpan.FromSeconds(40), refused.ResetAfter);
        Assert.False(refused.Unavailable);
    }

    [Fact]
    public async Task Reserve_OneQuotaFull_TakesFromNoneOfTheOthers()
    {
        var ledger = Ledger(TokenQuota(1_000), TokenQuota(1_500, AiQuotaPeriod.Day));
        Admitted(await ledger.ReserveAsync(Subject(), 1_000, 0, "m"));
        Refused(await ledger.ReserveAsync(Subject(), 400, 0, "m"));

        // Next minute: the day quota holds exactly 1,000 of 1,500, so 500 fit and 501 do not.
        _clock.Advance(TimeSpan.FromMinutes(1));
        Refused(await ledger.ReserveAsync(Subject(), 501, 0, "m"));
        Admitted(await ledger.ReserveAsync(Subject(), 500, 0, "m"));
    }

    [Fact]
    public async Task Settle_UsedLessThanReserved_GivesRoomBack()
    {
        var ledger = Ledger(TokenQuota(1_000));
        var first = Admitted(await ledger.ReserveAsync(Subject(), 100, 800, "m"));
        Refused(await ledger.ReserveAsync(Subject(), 100, 800, "m"));

        await first.SettleAsync(new TokenUsage(100, 50), "m");

        var second = Admitted(await ledger.ReserveAsync(Subject(), 100, 750, "m"));
        Assert.Equal(0, second.Remaining);
    }

    [Fact]
    public async Task Settle_UsedMoreThanReserved_ChargedAboveTheLimit()
    {
        var ledger = Ledger(TokenQuota(1_000));
        var reservation = Admitted(await ledger.ReserveAsync(Subject(), 100, 400, "m"));

        await reservation.SettleAsync(new TokenUsage(300, 1_000), "m");

        var refused = Refused(await ledger.ReserveAsync(Subject(), 1, 0, "m"));
        Assert.Equal(0m, refused.Remaining);
        // The next window starts from zero: the overshoot is not carried over.
        _clock.Advance(TimeSpan.FromSeconds(40));
        Admitted(await ledger.ReserveAsync(Subject(), 1_000, 0, "m"));
    }

    [Fact]
    public async Task Release_CallFailed_GivesEverythingBack()
    {
        var ledger = Ledger(TokenQuota(1_000));
        var reservation = Admitted(await ledger.ReserveAsync(Subject(), 500, 500, "m"));

        await reservation.ReleaseAsync();

        Assert.True(reservation.Ended);
        Assert.Equal(0, Admitted(await ledger.ReserveAsync(Subject(), 500, 500, "m")).Remaining);
    }

    [Fact]
    public async Task SettleAndRelease_CalledAgain_TakeEffectOnce()
    {
        var ledger = Ledger(TokenQuota(1_000));
        var reservation = Admitted(await ledger.ReserveAsync(Subject(), 100, 100, "m"));

        await reservation.SettleAsync(new TokenUsage(100, 100), "m");
        await reservation.SettleAsync(new TokenUsage(5_000, 0), "m");
        await reservation.ReleaseAsync();

        // Exactly 200 are counted: 800 fit, 801 do not.
        Refused(await ledger.ReserveAsync(Subject(), 801, 0, "m"));
        Admitted(await ledger.ReserveAsync(Subject(), 800, 0, "m"));
    }

    [Fact]
    public async Task Settle_ConcurrentWithRelease_OnlyOneTakesEffect()
    {
        var ledger = Ledger(TokenQuota(1_000_000));
        var reservations = new List<QuotaReservation>();
        for (var i = 0; i < 200; i++) { reservations.Add(Admitted(await ledger.ReserveAsync(Subject(), 10, 0, "m"))); }

        await Task.WhenAll(reservations.Select(r => Task.Run(async () =>
        {
            await Task.WhenAll(r.SettleAsync(new TokenUsage(10, 0), "m").AsTask(), r.ReleaseAsync().AsTask(), r.SettleAsync(new TokenUsage(10, 0), "m").AsTask());
        })));

        // Each call is counted 10 (settled) or 0 (released), never twice or negative.
        var remaining = Admitted(await ledger.ReserveAsync(Subject(), 0, 0, "m")).Remaining;
        Assert.InRange(1_000_000 - remaining, 0, 2_000);
        Assert.Equal(0, (1_000_000 - remaining) % 10);
    }

    [Fact]
    public async Task Reserve_NextWindow_CountRestarts()
    {
        _clock.Advance(TimeSpan.FromSeconds(39)); // 12:00:59
        var ledger = Ledger(TokenQuota(1_000));
        Admitted(await ledger.ReserveAsync(Subject(), 1_000, 0, "m"));
        Assert.Equal(TimeSpan.FromSeconds(1), Refused(await ledger.ReserveAsync(Subject(), 1, 0, "m")).ResetAfter);

        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(0, Admitted(await ledger.ReserveAsync(Subject(), 1_000, 0, "m")).Remaining);
    }

    [Fact]
    public async Task Settle_AfterItsWindowEnded_LeavesTheNewWindowAlone()
    {
        var ledger = Ledger(TokenQuota(1_000));
        var old = Admitted(await ledger.ReserveAsync(Subject(), 500, 0, "m"));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Admitted(await ledger.ReserveAsync(Subject(), 500, 0, "m"));

        await old.SettleAsync(new TokenUsage(5_000, 0), "m");

        Assert.Equal(0, Admitted(await ledger.ReserveAsync(Subject(), 500, 0, "m")).Remaining);
    }

    [Fact]
    public async Task Sweep_WindowsOver_CountersDropped()
    {
        var ledger = Ledger(TokenQuota(1_000));
        for (var i = 0; i < 20; i++) { Admitted(await ledger.ReserveAsync(Subject("ip:10.0.0." + i), 1, 0, "m")); }
        Assert.Equal(20, ledger.LocalCounterCount);

        _clock.Advance(TimeSpan.FromMinutes(2));
        Admitted(await ledger.ReserveAsync(Subject("ip:10.0.1.1"), 1, 0, "m"));

        Assert.Equal(1, ledger.LocalCounterCount);
    }

    [Fact]
    public async Task Reserve_PastMaxKeys_NewKeysShareOneCounter()
    {
        var ledger = new QuotaLedger("r", Block(TokenQuota(100)), _clock, new ClusterQuotaStore(null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance), maxKeys: 2);
        Admitted(await ledger.ReserveAsync(Subject("a"), 100, 0, "m"));
        Admitted(await ledger.ReserveAsync(Subject("b"), 100, 0, "m"));
        Admitted(await ledger.ReserveAsync(Subject("c"), 60, 0, "m"));

        Refused(await ledger.ReserveAsync(Subject("d"), 60, 0, "m"));
        Assert.Equal(3, ledger.LocalCounterCount);
    }

    [Theory]
    [InlineData(AiQuotaPeriod.Minute, "2026-03-15T12:00:00Z", "2026-03-15T12:01:00Z")]
    [InlineData(AiQuotaPeriod.Hour, "2026-03-15T12:00:00Z", "2026-03-15T13:00:00Z")]
    [InlineData(AiQuotaPeriod.Day, "2026-03-15T00:00:00Z", "2026-03-16T00:00:00Z")]
    [InlineData(AiQuotaPeriod.Month, "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")]
    public void Window_Period_IsTheCalendarUnitInUtc(AiQuotaPeriod period, string start, string end)
    {
        // 13:00:20 in UTC+1 is 12:00:20 UTC: windows follow UTC, not the caller's offset.
        var window = QuotaWindow.Of(period, new DateTimeOffset(2026, 3, 15, 13, 0, 20, TimeSpan.FromHours(1)));
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime, window.Start);
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture).UtcDateTime, window.End);
    }

    [Fact]
    public async Task Reserve_MonthEnds_CostCountRestarts()
    {
        var clock = new QuotaClock(new DateTimeOffset(2026, 2, 28, 23, 59, 59, TimeSpan.Zero));
        var ledger = Ledgers(clock).For("r", Block([CostQuota(1m)], [new AiPriceModel("m", 1m, 0m)]));
        Admitted(await ledger.ReserveAsync(Subject(), 1_000_000, 0, "m"));
        Assert.Equal(TimeSpan.FromSeconds(1), Refused(await ledger.ReserveAsync(Subject(), 1, 0, "m")).ResetAfter);

        clock.Advance(TimeSpan.FromSeconds(1));

        Admitted(await ledger.ReserveAsync(Subject(), 1_000_000, 0, "m"));
    }

    [Fact]
    public async Task ConsumerGroup_SeveralGroups_MustFitInEveryOne()
    {
        var ledger = Ledger(TokenQuota(1_000, key: AiQuotaKey.ConsumerGroup));
        Admitted(await ledger.ReserveAsync(Subject("default/alice", "fast", "research", "ops"), 600, 0, "m"));

        // bob shares ops with alice: ops holds 600, so 600 more do not fit even though research-only callers would.
        var refused = Refused(await ledger.ReserveAsync(Subject("default/bob", "fast", "ops"), 600, 0, "m"));
        Assert.Equal(400m, refused.Remaining);
        Admitted(await ledger.ReserveAsync(Subject("default/bob", "fast", "ops"), 400, 0, "m"));
        Admitted(await ledger.ReserveAsync(Subject("default/carol", "fast", "research"), 400, 0, "m"));
        Refused(await ledger.ReserveAsync(Subject("default/alice", "fast", "research", "ops"), 1, 0, "m"));
    }

    [Fact]
    public async Task ConsumerGroup_NoGroups_CountedUnderTheConsumer()
    {
        var ledger = Ledger(TokenQuota(1_000, key: AiQuotaKey.ConsumerGroup));
        Admitted(await ledger.ReserveAsync(Subject("ip:10.0.0.1"), 1_000, 0, "m"));

        Refused(await ledger.ReserveAsync(Subject("ip:10.0.0.1"), 1, 0, "m"));
        Admitted(await ledger.ReserveAsync(Subject("ip:10.0.0.2"), 1_000, 0, "m"));
    }

    [Fact]
    public async Task ConsumerGroup_GroupListedTwice_CountedOnce()
    {
        var ledger = Ledger(TokenQuota(1_000, key: AiQuotaKey.ConsumerGroup));

        Assert.Equal(0, Admitted(await ledger.ReserveAsync(Subject("a", "fast", "ops", "ops"), 1_000, 0, "m")).Remaining);
    }

    [Fact]
    public async Task Keys_RouteAndModel_CountAcrossConsumersAndPerModelName()
    {
        var ledger = Ledger(TokenQuota(1_000, key: AiQuotaKey.Route), TokenQuota(600, key: AiQuotaKey.Model));
        Admitted(await ledger.ReserveAsync(Subject("a", "fast"), 600, 0, "m"));
        Refused(await ledger.ReserveAsync(Subject("b", "fast"), 1, 0, "m"));

        var refused = Refused(await ledger.ReserveAsync(Subject("b", "smart"), 401, 0, "m"));
        Assert.Equal((0, AiQuotaKey.Route), (refused.Index, refused.Key));
        Assert.Equal(0, Admitted(await ledger.ReserveAsync(Subject("b", "smart"), 400, 0, "m")).Remaining);
    }

    [Fact]
    public async Task CostQuota_WithPrices_ReservesInputAndCapAtTheModelsPrice()
    {
        var ledger = Ledgers(_clock).For("r", Block([CostQuota(1.00m)], [new AiPriceModel("gpt-4o-mini", 0.15m, 0.60m)]));

        // 1M in at 0.15 + 1M out at 0.60 = 0.75 of 1.00.
        var first = Admitted(await ledger.ReserveAsync(Subject(), 1_000_000, 1_000_000, "gpt-4o-mini"));
        Assert.Equal((-1, -1), (first.Remaining, first.Limit));
        var refused = Refused(await ledger.ReserveAsync(Subject(), 1_000_000, 1_000_000, "gpt-4o-mini"));
        Assert.True(refused.IsCost);
        Assert.Equal((1.00m, 0.25m), (refused.Limit, refused.Remaining));
        Assert.Equal(AiQuotaPeriod.Month, refused.Period);

        // The answer was 100,000 tokens: 0.15 + 0.06 spent, 0.79 left.
        await first.SettleAsync(new TokenUsage(1_000_000, 100_000), "gpt-4o-mini");

        Admitted(await ledger.ReserveAsync(Subject(), 1_000_000, 1_000_000, "gpt-4o-mini"));
        Assert.Equal(0.04m, Refused(await ledger.ReserveAsync(Subject(), 1_000_000, 0, "gpt-4o-mini")).Remaining);
    }

    [Fact]
    public async Task CostQuota_ModelWithoutPrice_CostsNothing()
    {
        var ledger = Ledgers(_clock).For("r", Block([CostQuota(0.01m)], [new AiPriceModel("gpt-4o", 2.5m, 10m)]));

        for (var i = 0; i < 10; i++) { Admitted(await ledger.ReserveAsync(Subject(), 1_000_000, 1_000_000, "llama-3.1-8b")); }
        Refused(await ledger.ReserveAsync(Subject(), 1_000_000, 0, "gpt-4o"));
    }

    [Fact]
    public async Task CostQuota_SettledByAFallbackModel_ChargedAtThatModelsPrice()
    {
        var ledger = Ledgers(_clock).For("r", Block([CostQuota(1m)], [new AiPriceModel("cheap", 0.1m, 0.1m), new AiPriceModel("dear", 0.5m, 0.5m)]));
        var reservation = Admitted(await ledger.ReserveAsync(Subject(), 1_000_000, 0, "cheap"));

        await reservation.SettleAsync(new TokenUsage(1_000_000, 0), "dear");

        // 0.5 spent: 1,000,000 more at 0.5 fit exactly, one token more does not.
        Assert.Equal(0.5m, Refused(await ledger.ReserveAsync(Subject(), 1_000_001, 0, "dear")).Remaining);
        Admitted(await ledger.ReserveAsync(Subject(), 1_000_000, 0, "dear"));
    }

    [Fact]
    public async Task CostQuota_TinyCalls_RoundedUpToAMillionth()
    {
        // 1 token at 0.15 per million is 0.00000015: counted as 0.000001, so a million such calls cannot be free.
        var ledger = Ledgers(_clock).For("r", Block([CostQuota(0.000003m)], [new AiPriceModel("m", 0.15m, 0.15m)]));
        for (var i = 0; i < 3; i++) { Admitted(await ledger.ReserveAsync(Subject(), 1, 0, "m")); }
        Refused(await ledger.ReserveAsync(Subject(), 1, 0, "m"));
    }

    [Fact]
    public async Task Reserve_NoQuotas_AdmittedWithoutLimit()
    {
        var reservation = Admitted(await Ledger().ReserveAsync(Subject(), 1_000_000_000, 1_000_000, "m"));

        Assert.Equal((-1, -1), (reservation.Remaining, reservation.Limit));
        await reservation.SettleAsync(new TokenUsage(1, 1), "m");
    }

    [Fact]
    public async Task Reserve_50AtOnce_NeverMoreThanTheBudget()
    {
        const long budget = 10_000;
        for (var round = 0; round < 20; round++)
        {
            var ledger = Ledger(TokenQuota(budget, AiQuotaPeriod.Hour, AiQuotaKey.Route), TokenQuota(budget * 2, AiQuotaPeriod.Day));
            var random = new Random(round);
            var amounts = Enumerable.Range(0, 50).Select(_ => (Input: (long)random.Next(50, 400), Cap: (long)random.Next(50, 400))).ToArray();
            // One gate released at once: the 50 continuations run on every pool thread together.
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var calls = amounts.Select(async a =>
            {
                await start.Task;
                return await ledger.ReserveAsync(Subject("c" + a.Input % 3), a.Input, a.Cap, "m") is QuotaAdmission.Admitted ? a.Input + a.Cap : 0;
            }).ToArray();
            start.SetResult();
            var admitted = await Task.WhenAll(calls);

            var sum = admitted.Sum();
            Assert.InRange(sum, budget - 800, budget);
            Assert.Equal(budget - sum, Admitted(await ledger.ReserveAsync(Subject(), 0, 0, "m")).Remaining);
        }
    }
}
