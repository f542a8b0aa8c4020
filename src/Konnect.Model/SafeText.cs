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

    /// <summary>The most of a value <see cref="Quote"/> shows: enough to recognise it, short enough for a log line.</summary>
    public const int MaxQuoted = 40;

    // Room kept for "... (N characters)", so a cut text stays within its bound.
    private const int CutSuffix = 32;

    /// <summary>
    /// <paramref name="text"/> with control characters escaped and, when longer than <paramref name="max"/>, cut to it
    /// with the length it had (never splitting a surrogate pair).
    /// </summary>
    public static string Of(string text, int max = MaxMessage)
    {
        if (text.Length <= max && !text.AsSpan().ContainsAny(Unsafe)) { return text; }
        var safe = new StringBuilder(Math.Min(text.Length, max) + 16);
        var (budget, cutAt) = (Math.Max(0, max - CutSuffix), 0);
        for (var i = 0; i < text.Length && safe.Length <= max; i++)
        {
            if (safe.Length <= budget) { cutAt = safe.Length; }
            var c = text[i];
            if (char.IsControl(c) || c is '\u2028' or '\u2029') { safe.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { safe.Append(c).Append(text[++i]); }
            else { safe.Append(c); }
        }
        if (safe.Length <= max) { return safe.ToString(); }
        safe.Length = cutAt;
        return safe.Append(CultureInfo.InvariantCulture, $"... ({text.Length} characters)").ToString();
    }

    /// <summary>
    /// A value written by the user, as a message quotes it: in double quotes, at most <see cref="MaxQuoted"/>
    /// characters, control characters and lone surrogate halves escaped, so a hostile value can neither flood a log nor
    /// write terminal escapes into it.
    /// </summary>
    public static string Quote(string text)
    {
        var shown = new StringBuilder("\"");
        foreach (var c in text.Length <= MaxQuoted ? text : text[..MaxQuoted])
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029' || char.IsSurrogate(c)) { shown.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); }
            else { shown.Append(c); }
        }
        return shown.Append(text.Length <= MaxQuoted ? "\"" : "...\"").ToString();
    }

    private static readonly System.Buffers.SearchValues<char> Unsafe = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Select(i => (char)i), .. Enumerable.Range(0x7f, 0x21).Select(i => (char)i), '\u2028', '\u2029']);
}
