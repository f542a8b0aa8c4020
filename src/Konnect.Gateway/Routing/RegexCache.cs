using System.Text.RegularExpressions;
using Konnect.Model;

namespace Konnect.Gateway.Routing;

/// <summary>
/// Compiled whole-value regexes, carried from one model to the next so a republish with 10,000 routes only
/// compiles the patterns that are new. Not thread-safe: publishes are serialised.
/// </summary>
internal sealed class RegexCache
{
    private readonly Dictionary<string, Regex> _previous;
    private readonly Dictionary<string, Regex> _current = new(StringComparer.Ordinal);

    public RegexCache() : this(new Dictionary<string, Regex>(StringComparer.Ordinal))
    {
    }

    private RegexCache(Dictionary<string, Regex> previous) => _previous = previous;

    /// <summary>Returns a regex that matches the whole value; throws <see cref="ArgumentException"/> for a bad pattern.</summary>
    public Regex Get(string pattern)
    {
        if (_current.TryGetValue(pattern, out var regex))
        {
            return regex;
        }

        // Whole-value and NonBacktracking (no ReDoS), exactly as the translator checked it.
        regex = _previous.TryGetValue(pattern, out var kept) ? kept : MatchPattern.Compile(pattern);
        _current[pattern] = regex;
        return regex;
    }

    /// <summary>A cache for the next model that keeps only the patterns this one used.</summary>
    public RegexCache NextGeneration() => new(_current);
}
