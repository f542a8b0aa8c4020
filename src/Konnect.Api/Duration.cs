using System.Globalization;

namespace Konnect.Api;

/// <summary>Durations as Kubernetes and Gateway API write them: one to four number+unit pairs, units h, m, s, ms ("1m30s", "500ms").</summary>
public static class Duration
{
    /// <summary>The pattern the CRDs enforce; <see cref="TryParse"/> accepts exactly this language.</summary>
    public const string Pattern = "^([0-9]{1,5}(h|m|s|ms)){1,4}$";

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text)) { return false; }
        var i = 0;
        var pairs = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i])) { i++; }
            if (i == start || i - start > 5) { return false; }
            var number = long.Parse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture);
            if (i >= text.Length) { return false; }
            switch (text[i])
            {
                case 'h': value += TimeSpan.FromHours(number); i++; break;
                case 's': value += TimeSpan.FromSeconds(number); i++; break;
                case 'm' when i + 1 < text.Length && text[i + 1] == 's': value += TimeSpan.FromMilliseconds(number); i += 2; break;
                case 'm': value += TimeSpan.FromMinutes(number); i++; break;
                default: return false;
            }
            if (++pairs > 4) { return false; }
        }
        return true;
    }

    public static string Format(TimeSpan value) => value.TotalMilliseconds % 1000 == 0
        ? ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture) + "s"
        : ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
}
