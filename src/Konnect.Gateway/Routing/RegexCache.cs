using System.Text.RegularExpressions;

namespace Konnect.Gateway.Routing;

/// <summary>
/// Compiled whole-value regexes, carried from one model to the next so a republish with 10,000 routes only
/// compiles the patterns that are new. Not thread-safe: publishes are serialised.
/// </summary>
internal sealed class RegexCache
{
    // NonBacktracking: patterns come from tenants, so matching must stay linear in the input (no ReDoS).
    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

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

        // Gateway API regex matches are full matches; \A and \z also refuse a trailing newline that $ would allow.
        regex = _previous.TryGetValue(pattern, out var kept) ? kept : new Regex($@"\A(?:{pattern})\z", Options);
        _current[pattern] = regex;
        return regex;
    }

    /// <summary>A cache for the next model that keeps only the patterns this one used.</summary>
    public RegexCache NextGeneration() => new(_current);
}
