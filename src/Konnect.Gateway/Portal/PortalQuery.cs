using Konnect.Model;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Portal;

/// <summary>
/// The portal's search and filters, from the query string, so a plain HTML form (no JavaScript) narrows the list and
/// the JSON catalogue takes the same parameters: q (words in the name, title, description, team, tags or namespace),
/// tag, team, state (Published, Deprecated or Retired: APIs with a version in that state) and namespace.
/// </summary>
internal sealed record PortalQuery(string? Text, string? Tag, string? Team, ApiState? State, string? Namespace)
{
    private const int MaxText = 200;

    public static PortalQuery From(IQueryCollection query) => new(
        Value(query, "q"), Value(query, "tag"), Value(query, "team"),
        Enum.TryParse<ApiState>(Value(query, "state"), ignoreCase: true, out var state) ? state : null,
        Value(query, "namespace"));

    public bool IsEmpty => Text is null && Tag is null && Team is null && State is null && Namespace is null;

    public IEnumerable<PortalApi> Apply(IEnumerable<PortalApi> apis) => apis.Where(Matches);

    public bool Matches(PortalApi api)
    {
        if (Tag is not null && !api.Tags.Contains(Tag, StringComparer.Ordinal)) { return false; }
        if (Team is not null && !string.Equals(api.Team, Team, StringComparison.Ordinal)) { return false; }
        if (Namespace is not null && !string.Equals(api.Namespace, Namespace, StringComparison.Ordinal)) { return false; }
        if (State is { } state && !api.Has(state)) { return false; }
        if (Text is null) { return true; }
        // Every word must appear somewhere, case-insensitively: "orders v2" finds the orders API that has a v2.
        foreach (var word in Words)
        {
            if (!Contains(api.Name, word) && !Contains(api.Title, word) && !Contains(api.Description, word) && !Contains(api.Team, word)
                && !Contains(api.Namespace, word) && !api.Tags.Any(t => Contains(t, word)) && !api.Versions.Any(v => Contains(v.Version, word)))
            {
                return false;
            }
        }
        return true;
    }

    // At most ten distinct words: each is looked for in every API's text, so a long query must not multiply the work.
    private IEnumerable<string> Words => (Text ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Distinct(StringComparer.OrdinalIgnoreCase).Take(10);

    private static bool Contains(string? value, string word) => value?.Contains(word, StringComparison.OrdinalIgnoreCase) == true;

    private static string? Value(IQueryCollection query, string name) =>
        query.TryGetValue(name, out var values) && values.ToString().Trim() is { Length: > 0 } value
            ? value.Length > MaxText ? value[..MaxText] : value
            : null;
}
