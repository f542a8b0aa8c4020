using System.Net;
using Konnect.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Konnect.Gateway.Policies.IpAccess;

/// <summary>
/// A compiled ipAccess block: ranges parsed once per model. The client address is the socket's, and the forwarded
/// header is read only when the socket itself is a trusted proxy, so a client cannot pick its own address.
/// </summary>
internal sealed class IpAccessRule
{
    private readonly IPNetwork[] _allow;
    private readonly IPNetwork[] _deny;
    private readonly IPNetwork[] _trusted;
    private readonly string _forwardedHeader;

    private IpAccessRule(IpAccessModel model)
    {
        _allow = Parse(model.Allow);
        _deny = Parse(model.Deny);
        _trusted = Parse(model.TrustedProxies);
        _forwardedHeader = model.ForwardedHeader;
        Policy = model.Policy;
    }

    public string Policy { get; }

    /// <exception cref="FormatException">A range does not parse (the translator should have refused it).</exception>
    public static IpAccessRule Compile(IpAccessModel model) => new(model);

    /// <summary>The address the rule judges, or null when the connection has none (then nothing is allowed).</summary>
    public IPAddress? ClientAddress(HttpContext context)
    {
        var address = Normalize(context.Connection.RemoteIpAddress);
        if (address is null || _trusted.Length == 0 || !Contains(_trusted, address))
        {
            return address;
        }

        // Walk right to left: each entry was appended by the hop to its right. The first one not a trusted proxy is
        // the client; anything further left was written by that client and cannot be believed.
        var values = context.Request.Headers[_forwardedHeader];
        for (var v = values.Count - 1; v >= 0; v--)
        {
            var text = values[v].AsSpan();
            while (text.Length > 0)
            {
                var comma = text.LastIndexOf(',');
                var entry = text[(comma + 1)..].Trim();
                text = comma < 0 ? default : text[..comma];
                if (entry.IsEmpty) { continue; }
                if (!IPAddress.TryParse(entry, out var forwarded))
                {
                    // A trusted proxy forwarded something that is not an address: judge that proxy, not a guess.
                    return address;
                }

                address = Normalize(forwarded)!;
                if (!Contains(_trusted, address)) { return address; }
            }
        }

        return address;
    }

    /// <summary>Deny wins; with an allow list the address must be in it.</summary>
    public bool IsAllowed(IPAddress? address) =>
        address is not null && !Contains(_deny, address) && (_allow.Length == 0 || Contains(_allow, address));

    private static bool Contains(IPNetwork[] networks, IPAddress address)
    {
        foreach (var network in networks)
        {
            if (network.Contains(address)) { return true; }
        }

        return false;
    }

    private static IPAddress? Normalize(IPAddress? address) =>
        address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;

    private static IPNetwork[] Parse(IReadOnlyList<string> ranges) => ranges.Select(r => IPNetwork.Parse(r)).ToArray();
}
