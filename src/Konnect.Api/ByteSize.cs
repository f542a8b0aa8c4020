using System.Globalization;

namespace Konnect.Api;

/// <summary>Sizes as Kubernetes quantities write them, limited to what a policy needs: bytes, Ki or Mi ("512Ki", "1Mi", "4096").</summary>
public static class ByteSize
{
    /// <summary>The pattern the CRDs enforce; <see cref="TryParse"/> accepts exactly this language.</summary>
    public const string Pattern = "^[0-9]{1,9}(Ki|Mi)?$";

    public static bool TryParse(string? text, out long bytes)
    {
        bytes = 0;
        if (string.IsNullOrEmpty(text)) { return false; }
        var multiplier = 1L;
        var digits = text.AsSpan();
        if (text.EndsWith("Ki", StringComparison.Ordinal)) { multiplier = 1024; digits = digits[..^2]; }
        else if (text.EndsWith("Mi", StringComparison.Ordinal)) { multiplier = 1024 * 1024; digits = digits[..^2]; }
        if (digits.Length is 0 or > 9 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number)) { return false; }
        bytes = number * multiplier;
        return true;
    }
}
