using System.Buffers;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// The request-target (path and query) sent upstream, exactly as YARP builds it: the destination's base path, the
/// (rewritten) request path with the characters a path may not carry escaped, and the query as received. Plain paths
/// and queries, the common case, are concatenated directly; anything else goes through YARP's own
/// <see cref="RequestUtilities.MakeDestinationAddress"/> and <see cref="Uri.PathAndQuery"/>, so both forwarders send
/// the same bytes for the same request.
/// </summary>
internal static class RequestTarget
{
    // RFC 3986 pchar without pct-encoded, plus '/': what a path segment may hold unescaped.
    private static readonly SearchValues<char> PathChars =
        SearchValues.Create("!$&'()*+,-./0123456789:;=@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~");

    // A query as Uri keeps it unchanged: pchar, '/' and '?'.
    private static readonly SearchValues<char> QueryChars =
        SearchValues.Create("!$&'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~");

    public static bool IsPlainPath(string path) => !path.AsSpan().ContainsAnyExcept(PathChars);

    public static string Build(UpstreamTarget target, PathString path, QueryString query)
    {
        var value = path.Value;
        var queryValue = query.HasValue ? query.Value : null;
        if ((value is null || IsPlainPath(value)) && (queryValue is null || IsPlainQuery(queryValue)))
        {
            var head = string.IsNullOrEmpty(value) ? target.BasePath : string.Concat(target.BasePathBeforePath, value);
            if (head.Length == 0) { head = "/"; }
            return queryValue is null ? head : string.Concat(head, queryValue);
        }
        return RequestUtilities.MakeDestinationAddress(target.Address, path, query).PathAndQuery;
    }

    // Any escape goes through Uri: it decodes the unreserved ones ("%41" is sent as "A").
    private static bool IsPlainQuery(string query) => query[0] == '?' && !query.AsSpan(1).ContainsAnyExcept(QueryChars);
}
