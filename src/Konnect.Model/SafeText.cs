using System.Globalization;
using System.Text;

namespace Konnect.Model;

/// <summary>
/// Text that quotes manifests, as statuses, logs and `konnect validate` carry it: control characters (CR and LF above
/// all) escaped as \uXXXX, so a value cannot split a line or forge one, and at most <see cref="MaxMessage"/>
/// characters, so a megabyte value is not repeated into every status and log line that quotes it.
/// </summary>
public static class SafeText
{
    /// <summary>Kubernetes' own bound on a condition message (metav1.Condition).</summary>
    public const int MaxMessage = 32_768;

    public static string Of(string text, int max = MaxMessage)
    {
        if (text.Length <= max && !text.AsSpan().ContainsAny(Unsafe)) { return text; }
        var safe = new StringBuilder(Math.Min(text.Length, max) + 16);
        foreach (var c in text)
        {
            if (safe.Length >= max)
            {
                return safe.Append(CultureInfo.InvariantCulture, $"... ({text.Length} characters)").ToString();
            }
            if (char.IsControl(c) || c is '\u2028' or '\u2029') { safe.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); }
            else { safe.Append(c); }
        }
        return safe.ToString();
    }

    private static readonly System.Buffers.SearchValues<char> Unsafe = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(i => (char)i), .. Enumerable.Range(0x7f, 0x21).Select(i => (char)i), '\u2028', '\u2029']);
}
