using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Ai.Quotas;
using Konnect.Model;
using Microsoft.Extensions.Logging.Abstractions;

namespace Konnect.Gateway.Tests.Ai.Quotas;

/// <summary>A clock the test sets by hand: windows roll over without sleeping.</summary>
internal sealed class QuotaClock(DateTimeOffset now) : TimeProvider
{
    private DateTimeOffset _now = now;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Builders shared by the quota tests.</summary>
internal static class QuotaFixtures
{
    /// <summary>12:00:20 UTC: 40 s left in the minute.</summary>
    public static readonly DateTimeOffset Noon = new(2026, 3, 15, 12, 0, 20, TimeSpan.Zero);

    public static AiQuotaModel TokenQuota(long tokens, AiQuotaPeriod period = AiQuotaPeriod.Minute, AiQuotaKey key = AiQuotaKey.Consumer, RateLimitScope scope = RateLimitScope.Local) =>
        new() { Key = key, Period = period, Tokens = tokens, Scope = scope };

    public static AiQuotaModel CostQuota(decimal cost, AiQuotaKey key = AiQuotaKey.Consumer, RateLimitScope scope = RateLimitScope.Local) =>
        new() { Key = key, Period = AiQuotaPeriod.Month, Cost = cost, Scope = scope };

    public static AiModel Block(params AiQuotaModel[] quotas) => Block(quotas, []);

    public static AiModel Block(AiQuotaModel[] quotas, AiPriceModel[] prices) => new()
    {
        Policy = "default/ai",
        Providers = [new AiProviderModel
        {
            Name = "openai", Type = AiProviderType.OpenAI, BaseUrl = "https://api.openai.com/v1",
            Timeout = TimeSpan.FromSeconds(60), KeyCooldown = TimeSpan.FromSeconds(30),
        }],
        Models = [new AiModelRouteModel { Name = "fast", Targets = [new AiTargetModel("openai", "gpt-4o-mini", 1)] }],
        MaxTokens = 4096,
        Quotas = quotas,
        Prices = prices,
    };

    public static QuotaSubject Subject(string consumer = "default/alice", string model = "fast", params string[] groups) =>
        new(consumer, groups, "default/ai-route", model);

    public static QuotaLedgers Ledgers(TimeProvider time) => new(time, null, NullLogger<QuotaLedgers>.Instance);

    public static QuotaReservation Admitted(QuotaAdmission admission) =>
        Assert.IsType<QuotaAdmission.Admitted>(admission).Reservation;

    public static QuotaAdmission.Refused Refused(QuotaAdmission admission) => Assert.IsType<QuotaAdmission.Refused>(admission);
}
