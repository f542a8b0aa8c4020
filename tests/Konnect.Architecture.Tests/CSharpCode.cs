using System.Text;

namespace Konnect.Architecture.Tests;

/// <summary>
/// C# source with comments removed and the contents of string and character literals blanked, so that what a
/// namespace graph reads is code: a type named in a doc comment, a log message or a metric name is not a dependency.
/// Every removed character becomes a space (a newline stays a newline), so positions and line numbers are kept.
/// </summary>
internal static class CSharpCode
{
    public static string Strip(string source)
    {
        var code = new StringBuilder(source.Length);
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (c == '/' && At(source, i + 1) == '/')
            {
                i = Blank(source, code, i, source.IndexOf('\n', i) is var end and >= 0 ? end : source.Length);
            }
            else if (c == '/' && At(source, i + 1) == '*')
            {
                i = Blank(source, code, i, source.IndexOf("*/", i + 2, StringComparison.Ordinal) is var end and >= 0 ? end + 2 : source.Length);
            }
            else if (c == '\'')
            {
                i = Blank(source, code, i, CharLiteralEnd(source, i));
            }
            else if (StringLiteralEnd(source, i) is { } end)
            {
                // Interpolation holes are blanked with the text: a qualified name inside one is not read.
                i = Blank(source, code, i, end);
            }
            else
            {
                code.Append(c);
                i++;
            }
        }

        return code.ToString();
    }

    private static char At(string s, int i) => i < s.Length ? s[i] : '\0';

    private static int Blank(string source, StringBuilder code, int from, int to)
    {
        for (var i = from; i < to; i++) { code.Append(source[i] == '\n' ? '\n' : ' '); }
        return to;
    }

    /// <summary>Where the string literal starting at <paramref name="i"/> ends, or null when none starts there.</summary>
    private static int? StringLiteralEnd(string s, int i)
    {
        // Prefixes: $, $$..., @, $@, @$; then the quotes.
        var j = i;
        var verbatim = false;
        while (j < s.Length && (s[j] == '$' || s[j] == '@'))
        {
            verbatim |= s[j] == '@';
            j++;
        }

        if (At(s, j) != '"') { return null; }
        var quotes = 0;
        while (At(s, j + quotes) == '"') { quotes++; }
        if (quotes >= 3)
        {
            // A raw string: it ends at the same number of quotes.
            var close = s.IndexOf(new string('"', quotes), j + quotes, StringComparison.Ordinal);
            return close < 0 ? s.Length : close + quotes;
        }

        if (quotes == 2) { return j + 2; } // ""
        for (var k = j + 1; k < s.Length; k++)
        {
            if (verbatim)
            {
                if (s[k] != '"') { continue; }
                if (At(s, k + 1) == '"') { k++; continue; }
                return k + 1;
            }

            if (s[k] == '\\') { k++; continue; }
            if (s[k] == '"' || s[k] == '\n') { return k + 1; }
        }

        return s.Length;
    }

    private static int CharLiteralEnd(string s, int i)
    {
        for (var k = i + 1; k < s.Length && k < i + 12; k++)
        {
            if (s[k] == '\\') { k++; continue; }
            if (s[k] == '\'') { return k + 1; }
        }

        return i + 1;
    }
}
