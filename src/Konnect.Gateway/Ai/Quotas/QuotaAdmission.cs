using Konnect.Api.V1Alpha1;

namespace Konnect.Gateway.Ai.Quotas;

/// <summary>What <see cref="QuotaLedger.ReserveAsync"/> decided.</summary>
internal abstract record QuotaAdmission
{
    private QuotaAdmission() { }

    /// <summary>The call fits in every quota; its reservation must be settled or released exactly once.</summary>
    public sealed record Admitted(QuotaReservation Reservation) : QuotaAdmission;

    /// <summary>
    /// The call does not fit in quota <paramref name="Index"/> (of <see cref="QuotaLedger.Quotas"/>); when several are
    /// full, the one that resets last, since the call fits only once all have room.
    /// </summary>
    /// <param name="IsCost">A spend quota: <paramref name="Limit"/> and <paramref name="Remaining"/> are amounts in the prices' currency, else tokens.</param>
    /// <param name="Remaining">What is left of the quota in this window (less than the call's reservation, at least 0).</param>
    /// <param name="ResetAfter">Until the quota's window ends and its count restarts.</param>
    /// <param name="Unavailable">The count could not be read and the call was refused for that (never today: cluster quotas fail open, see <see cref="QuotaReservation.Problem"/>).</param>
    public sealed record Refused(int Index, AiQuotaKey Key, AiQuotaPeriod Period, bool IsCost, decimal Limit, decimal Remaining, TimeSpan ResetAfter, bool Unavailable = false) : QuotaAdmission;
}
