using System.Text.RegularExpressions;
using Konnect.Model;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Routing;

/// <summary>One <see cref="MatchModel"/> compiled for the hot path: path, methods, headers and query, all required.</summary>
internal sealed class RouteMatcher
{
    private readonly PathKind _pathKind;
    private readonly string _path;
    private readonly Regex? _pathRegex;
    private readonly string[] _methods;
    private readonly ValueMatcher[] _headers;
    private readonly ValueMatcher[] _query;

    private RouteMatcher(PathKind pathKind, string path, Regex? pathRegex, string[] methods, ValueMatcher[] headers, ValueMatcher[] query)
    {
        _pathKind = pathKind;
        _path = path;
        _pathRegex = pathRegex;
        _methods = methods;
        _headers = headers;
        _query = query;
    }

    /// <summary>Compiles <paramref name="match"/>; throws <see cref="ArgumentException"/> when a regex does not parse.</summary>
    public static RouteMatcher Compile(MatchModel match, RegexCache regexes)
    {
        var path = match.Path;
        if (match.PathKind == PathKind.PathPrefix && path.Length > 1 && path[^1] == '/')
        {
            path = path.TrimEnd('/');
        }

        return new RouteMatcher(
            match.PathKind,
            path,
            match.PathKind == PathKind.RegularExpression ? regexes.Get(match.Path) : null,
            [.. match.Methods],
            [.. match.Headers.Select(h => ValueMatcher.Compile(h, regexes))],
            [.. match.Query.Select(q => ValueMatcher.Compile(q, regexes))]);
    }

    public bool Matches(HttpRequest request, string path)
    {
        if (!MatchesPath(path))
        {
            return false;
        }

        if (_methods.Length > 0 && Array.IndexOf(_methods, request.Method) < 0)
        {
            return false;
        }

        foreach (var header in _headers)
        {
            if (!MatchesHeader(request.Headers, header))
            {
                return false;
            }
        }

        foreach (var query in _query)
        {
            if (!QueryString.TryGetFirst(request.QueryString.Value, query.Name, out var value) || !query.Matches(value))
            {
                return false;
            }
        }

        return true;
    }

    private bool MatchesPath(string path) => _pathKind switch
    {
        PathKind.Exact => string.Equals(path, _path, StringComparison.Ordinal),
        // Element-wise: "/orders" claims "/orders" and "/orders/…" but not "/ordersx".
        PathKind.PathPrefix => _path.Length == 1
            || (path.StartsWith(_path, StringComparison.Ordinal) && (path.Length == _path.Length || path[_path.Length] == '/')),
        _ => _pathRegex!.IsMatch(path),
    };

    private static bool MatchesHeader(IHeaderDictionary headers, ValueMatcher header)
    {
        if (!headers.TryGetValue(header.Name, out var values))
        {
            return false;
        }

        // A repeated header matches when any of its values does, as a comma-joined value would for Envoy.
        foreach (var value in values)
        {
            if (value is not null && header.Matches(value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The path the rewrite treats as matched: the prefix for PathPrefix and Exact, nothing for regexes.</summary>
    public string? MatchedPrefix => _pathKind == PathKind.RegularExpression ? null : _path;
}

internal sealed class ValueMatcher
{
    private readonly string? _exact;
    private readonly Regex? _regex;

    private ValueMatcher(string name, string? exact, Regex? regex)
    {
        Name = name;
        _exact = exact;
        _regex = regex;
    }

    public string Name { get; }

    public static ValueMatcher Compile(ValueMatchModel model, RegexCache regexes) => model.Kind == ValueKind.Exact
        ? new ValueMatcher(model.Name, model.Value, null)
        : new ValueMatcher(model.Name, null, regexes.Get(model.Value));

    public bool Matches(ReadOnlySpan<char> value) => _regex is null ? value.SequenceEqual(_exact) : _regex.IsMatch(value);
}
