using Konnect.Model;

namespace Konnect.Gateway.Observability.Analytics;

/// <summary>What an AI call cost at the route's prices, in millionths (prices are per million tokens), as quotas count it.</summary>
internal static class AnalyticsCost
{
    public static long Micros(IReadOnlyList<AiPriceModel>? prices, AiCallSummary call)
    {
        if (prices is not { Count: > 0 }) { return 0; }
        var model = call.ResponseModel ?? call.Model;
        foreach (var price in prices)
        {
            if (string.Equals(price.Model, model, StringComparison.Ordinal) || string.Equals(price.Model, call.Model, StringComparison.Ordinal))
            {
                var micros = decimal.Ceiling((call.InputTokens ?? 0) * price.Input + (call.OutputTokens ?? 0) * price.Output);
                return micros >= long.MaxValue ? long.MaxValue : (long)micros;
            }
        }
        return 0;
    }
}
