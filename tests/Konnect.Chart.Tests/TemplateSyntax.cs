namespace Konnect.Chart.Tests;

/// <summary>
/// The structural rules of Go templates that a chart most often breaks and only `helm template` would catch:
/// every <c>{{</c> closed by <c>}}</c>, and if/range/with/define/block each closed by one <c>end</c>
/// (<c>else</c> only inside if/range/with). Not a full parser: pipelines and functions are not checked.
/// </summary>
internal static class TemplateSyntax
{
    private static readonly string[] Openers = ["if", "range", "with", "define", "block"];

    /// <summary>The problems in one template, each with its line; empty when well-formed.</summary>
    public static List<string> Problems(string text)
    {
        var problems = new List<string>();
        var open = new Stack<(string Keyword, int Line)>();
        var at = 0;
        while (true)
        {
            var start = text.IndexOf("{{", at, StringComparison.Ordinal);
            var stray = text.IndexOf("}}", at, StringComparison.Ordinal);
            if (stray >= 0 && (start < 0 || stray < start))
            {
                problems.Add($"line {LineOf(text, stray)}: '}}}}' with no '{{{{' before it");
                at = stray + 2;
                continue;
            }
            if (start < 0) { break; }
            var body = start + 2;
            var comment = text.AsSpan(body).TrimStart('-').TrimStart().StartsWith("/*");
            var end = comment ? CommentEnd(text, body) : text.IndexOf("}}", body, StringComparison.Ordinal);
            var nextOpen = text.IndexOf("{{", body, StringComparison.Ordinal);
            if (end < 0 || (!comment && nextOpen >= 0 && nextOpen < end))
            {
                problems.Add($"line {LineOf(text, start)}: '{{{{' is not closed by '}}}}'");
                at = body;
                continue;
            }
            at = end + 2;
            if (comment) { continue; }
            var words = text[body..end].Trim().Trim('-').Trim().Split((char[])[' ', '\t', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries);
            var keyword = words.Length == 0 ? "" : words[0];
            var line = LineOf(text, start);
            if (Openers.Contains(keyword))
            {
                open.Push((keyword, line));
            }
            else if (keyword == "else")
            {
                if (!open.TryPeek(out var top) || top.Keyword is "define" or "block")
                {
                    problems.Add($"line {line}: 'else' outside if/range/with");
                }
            }
            else if (keyword == "end" && !open.TryPop(out _))
            {
                problems.Add($"line {line}: 'end' with nothing open");
            }
        }
        problems.AddRange(open.Select(o => $"line {o.Line}: '{o.Keyword}' is never closed by 'end'"));
        return problems;
    }

    private static int CommentEnd(string text, int from)
    {
        var close = text.IndexOf("*/", from, StringComparison.Ordinal);
        if (close < 0) { return -1; }
        var after = text.AsSpan(close + 2).TrimStart(' ').TrimStart('-').TrimStart(' ');
        return after.StartsWith("}}") ? text.IndexOf("}}", close + 2, StringComparison.Ordinal) : -1;
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;
}
