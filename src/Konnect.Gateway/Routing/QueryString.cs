namespace Konnect.Gateway.Routing;

/// <summary>
/// Reads query parameters straight from the raw query string: ASP.NET's Request.Query compares names
/// case-insensitively (Gateway API wants exact names) and allocates a collection per request.
/// </summary>
internal static class QueryString
{
    /// <summary>Finds the first parameter named <paramref name="name"/>; Gateway API considers only the first.</summary>
    public static bool TryGetFirst(ReadOnlySpan<char> query, string name, out ReadOnlySpan<char> value)
    {
        if (query.Length > 0 && query[0] == '?')
        {
            query = query[1..];
        }

        while (!query.IsEmpty)
        {
            var end = query.IndexOf('&');
            var pair = end < 0 ? query : query[..end];
            query = end < 0 ? ReadOnlySpan<char>.Empty : query[(end + 1)..];

            var equals = pair.IndexOf('=');
            var rawName = equals < 0 ? pair : pair[..equals];
            if (Decode(rawName).SequenceEqual(name))
            {
                value = Decode(equals < 0 ? ReadOnlySpan<char>.Empty : pair[(equals + 1)..]);
                return true;
            }
        }

        value = default;
        return false;
    }

    // Allocates only for the rare escaped name or value.
    private static ReadOnlySpan<char> Decode(ReadOnlySpan<char> raw) =>
        raw.IndexOfAny('%', '+') < 0 ? raw : Uri.UnescapeDataString(raw.ToString().Replace('+', ' '));
}
