namespace Konnect.Gateway.Ai.Formats;

/// <summary>Tokens one call used. <see cref="Estimated"/> says the gateway counted them itself because the provider reported none.</summary>
internal readonly record struct TokenUsage(long Input, long Output, bool Estimated = false)
{
    public long Total => Input + Output;
}
