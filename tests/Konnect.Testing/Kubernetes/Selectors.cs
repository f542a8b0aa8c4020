using System.Text.Json.Nodes;

namespace Konnect.Testing.Kubernetes;

/// <summary>
/// The equality-based label selector forms: key=value, key==value, key!=value, key (exists) and !key, comma-joined.
/// Set-based forms (in, notin) are refused with 400 rather than silently matching everything.
/// </summary>
internal sealed class LabelSelector
{
    private readonly List<Func<Dictionary<string, string>, bool>> _requirements = [];

    public static readonly LabelSelector Everything = new();

    public static LabelSelector Parse(string? text)
    {
        var selector = new LabelSelector();
        if (string.IsNullOrWhiteSpace(text))
        {
            return selector;
        }
        foreach (var raw in text.Split(','))
        {
            var term = raw.Trim();
            if (term.Contains(" in ", StringComparison.Ordinal) || term.Contains(" notin ", StringComparison.Ordinal) || term.Contains('('))
            {
                throw new FakeKubeError(400, "BadRequest", $"unable to parse requirement: set-based selector '{term}' is not supported by the fake API server");
            }
            if (term.Split("!=") is [var notKey, var notValue])
            {
                selector._requirements.Add(labels => !labels.TryGetValue(notKey.Trim(), out var v) || v != notValue.Trim());
            }
            else if (term.IndexOf('=', StringComparison.Ordinal) is > 0 and var equals)
            {
                // "key=value" and "key==value" mean the same.
                var (key, value) = (term[..equals].Trim(), term[(equals + 1)..].TrimStart('=').Trim());
                selector._requirements.Add(labels => labels.TryGetValue(key, out var v) && v == value);
            }
            else if (term.StartsWith('!'))
            {
                var key = term[1..].Trim();
                selector._requirements.Add(labels => !labels.ContainsKey(key));
            }
            else
            {
                selector._requirements.Add(labels => labels.ContainsKey(term));
            }
        }
        return selector;
    }

    public bool Matches(JsonObject obj)
    {
        if (_requirements.Count == 0)
        {
            return true;
        }
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (obj["metadata"]?["labels"] is JsonObject labelObject)
        {
            foreach (var (key, value) in labelObject)
            {
                labels[key] = value?.ToString() ?? "";
            }
        }
        return _requirements.All(requirement => requirement(labels));
    }
}

/// <summary>The field selectors every kind supports: metadata.name and metadata.namespace, with = / == / !=.</summary>
internal sealed class FieldSelector
{
    private readonly List<(string Field, string Value, bool Equal)> _terms = [];

    public static FieldSelector Parse(string? text)
    {
        var selector = new FieldSelector();
        foreach (var raw in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equal = !raw.Contains("!=", StringComparison.Ordinal);
            var parts = raw.Split(equal ? (raw.Contains("==", StringComparison.Ordinal) ? "==" : "=") : "!=");
            if (parts.Length != 2 || parts[0].Trim() is not ("metadata.name" or "metadata.namespace"))
            {
                throw new FakeKubeError(400, "BadRequest", $"field label not supported: {raw}");
            }
            selector._terms.Add((parts[0].Trim(), parts[1].Trim(), equal));
        }
        return selector;
    }

    public bool Matches(JsonObject obj) => _terms.All(term =>
    {
        var actual = obj["metadata"]?[term.Field["metadata.".Length..]]?.GetValue<string>() ?? "";
        return (actual == term.Value) == term.Equal;
    });
}
