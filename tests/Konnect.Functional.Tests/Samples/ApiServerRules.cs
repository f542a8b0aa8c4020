using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Konnect.Functional.Tests.Samples;

/// <summary>
/// The checks a Kubernetes API server makes on create that a sample could trip over, restated from Kubernetes'
/// pkg/apis/discovery/validation (validateEndpoints), pkg/apis/core/validation (ValidateNonSpecialIP) and
/// apimachinery's name rules. Each returns null when the API server accepts the value, or its reason.
/// </summary>
public static partial class ApiServerRules
{
    /// <summary>
    /// An EndpointSlice address for the slice's addressType. For IPv4 and IPv6 the API server parses the address
    /// (Go's ParseIP, which takes IPv4 with leading zeros and IPv4-mapped IPv6 as IPv4) and refuses the unspecified
    /// address and the loopback, link-local and link-local multicast ranges: they name the node itself or its link,
    /// never a pod another node could reach.
    /// </summary>
    public static string? EndpointAddress(string addressType, string address)
    {
        switch (addressType)
        {
            case "IPv4":
                return ParseIp(address) is { } v4 && IsIPv4(v4) ? NonSpecialIp(v4) : "must be a valid IPv4 address";
            case "IPv6":
                return ParseIp(address) is { } v6 && !IsIPv4(v6) ? NonSpecialIp(v6) : "must be a valid IPv6 address";
            case "FQDN":
                var name = address.EndsWith('.') ? address[..^1] : address;
                return name.Length <= 253 && name.Contains('.') && Subdomain().IsMatch(name) ? null : "must be a fully qualified domain name (two or more lower-case labels)";
            default:
                return $"addressType {addressType} is not supported: IPv4, IPv6 or FQDN";
        }
    }

    /// <summary>ValidateNonSpecialIP: what the API server refuses as an endpoint (or a Service's external IP).</summary>
    public static string? NonSpecialIp(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6) { ip = ip.MapToIPv4(); }
        var b = ip.GetAddressBytes();
        if (ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any)) { return $"may not be unspecified ({ip})"; }
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            if (b[0] == 127) { return "may not be in the loopback range (127.0.0.0/8, ::1/128)"; }
            if (b[0] == 169 && b[1] == 254) { return "may not be in the link-local range (169.254.0.0/16, fe80::/10)"; }
            if (b[0] == 224 && b[1] == 0 && b[2] == 0) { return "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"; }
            return null;
        }
        if (ip.Equals(IPAddress.IPv6Loopback)) { return "may not be in the loopback range (127.0.0.0/8, ::1/128)"; }
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) { return "may not be in the link-local range (169.254.0.0/16, fe80::/10)"; }
        // Go's IsLinkLocalMulticast: ff02::/16 with any flags nibble (ff02, ff12, ff32...).
        if (b[0] == 0xff && (b[1] & 0x0f) == 0x02) { return "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"; }
        return null;
    }

    /// <summary>
    /// metadata.name as the API server checks it for the kind: a DNS-1035 label for Services, a DNS-1123 label for
    /// Namespaces, a path segment for RBAC objects, a DNS-1123 subdomain for everything else the samples hold.
    /// </summary>
    public static string? ObjectName(string kind, string? name)
    {
        if (string.IsNullOrEmpty(name)) { return "metadata.name is required"; }
        return kind switch
        {
            "Service" => name.Length <= 63 && Dns1035Label().IsMatch(name) ? null : $"metadata.name {name}: a Service name must be a DNS-1035 label (lower case, starting with a letter, at most 63)",
            "Namespace" => Namespace(name),
            "Role" or "ClusterRole" or "RoleBinding" or "ClusterRoleBinding" =>
                name is "." or ".." || name.Contains('/') || name.Contains('%') ? $"metadata.name {name}: may not be '.' or '..' or contain '/' or '%'" : null,
            _ => name.Length <= 253 && Subdomain().IsMatch(name) ? null : $"metadata.name {name}: must be a DNS-1123 subdomain (lower case, '-' and '.', at most 253)",
        };
    }

    /// <summary>A namespace name (metadata.name of a Namespace, metadata.namespace of anything): a DNS-1123 label.</summary>
    public static string? Namespace(string name) =>
        name.Length <= 63 && Dns1123Label().IsMatch(name) ? null : $"namespace {name}: must be a DNS-1123 label (lower case, '-', at most 63)";

    /// <summary>Kinds the samples use that live outside any namespace; every other kind is namespaced.</summary>
    public static bool IsClusterScoped(string kind) =>
        kind is "Namespace" or "ClusterRole" or "ClusterRoleBinding" or "ClusterIssuer" or "CustomResourceDefinition" or "GatewayClass" or "IngressClass";

    /// <summary>Go's ParseIP: dotted decimal IPv4 (leading zeros taken as decimal) or IPv6 without a zone.</summary>
    private static IPAddress? ParseIp(string text)
    {
        if (text.Contains(':'))
        {
            return !text.Contains('%') && IPAddress.TryParse(text, out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6 ? v6 : null;
        }
        var parts = text.Split('.');
        if (parts.Length != 4) { return null; }
        var bytes = new byte[4];
        for (var i = 0; i < 4; i++)
        {
            if (parts[i].Length is 0 or > 3 || !parts[i].All(char.IsAsciiDigit) || !byte.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out bytes[i])) { return null; }
        }
        return new IPAddress(bytes);
    }

    private static bool IsIPv4(IPAddress ip) => ip.AddressFamily == AddressFamily.InterNetwork || ip.IsIPv4MappedToIPv6;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035Label();
}
