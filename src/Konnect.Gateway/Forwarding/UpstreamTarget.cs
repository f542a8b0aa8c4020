using System.Net;
using System.Text;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// One plain-HTTP destination address as a rule names it (scheme http, host, port, optional base path), parsed once,
/// and the connection pool of its host and port, which every address with the same authority shares.
/// </summary>
internal sealed class UpstreamTarget
{
    private UpstreamTarget(string address, EndPoint endPoint, string basePath, string authority)
    {
        Address = address;
        EndPoint = endPoint;
        BasePath = basePath;
        BasePathBeforePath = basePath.EndsWith('/') ? basePath[..^1] : basePath;
        Authority = authority;
        HostLine = Encoding.ASCII.GetBytes($"Host: {authority}\r\n");
    }

    /// <summary>"host:port" as sent in Host (the port left out when it is 80); what connections are pooled by.</summary>
    public string Authority { get; }

    /// <summary>The idle connections to <see cref="EndPoint"/>; replaced by the registry when a sweep retired it.</summary>
    public ConnectionPool? Pool { get; set; }

    /// <summary>The destination address as configured, e.g. "http://10.0.0.7:8080/base".</summary>
    public string Address { get; }

    public EndPoint EndPoint { get; }

    /// <summary>The address's path ("" when it has none), put in front of every request path as YARP does.</summary>
    public string BasePath { get; }

    /// <summary><see cref="BasePath"/> without a trailing '/', put in front of a non-empty path (which starts with one).</summary>
    public string BasePathBeforePath { get; }

    /// <summary>"Host: authority\r\n": the upstream's own authority, as YARP sends by default.</summary>
    public byte[] HostLine { get; }

    /// <summary>
    /// The target for a destination address, or null when this forwarder does not speak to it (https, a query or user
    /// info in the address, a name that is not ASCII): YARP forwards those.
    /// </summary>
    public static UpstreamTarget? TryCreate(string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || !Ascii.IsValid(uri.Authority)
            || !Ascii.IsValid(address))
        {
            return null;
        }

        // The path as written after the authority (YARP concatenates the configured prefix as a string).
        var afterScheme = address.AsSpan(uri.Scheme.Length + 3);
        var slash = afterScheme.IndexOf('/');
        var basePath = slash < 0 ? "" : afterScheme[slash..].ToString();
        if (!RequestTarget.IsPlainPath(basePath)) { return null; }
        var host = uri.IdnHost;
        EndPoint endPoint = IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, uri.Port) : new DnsEndPoint(host, uri.Port);
        return new UpstreamTarget(address, endPoint, basePath, uri.Authority);
    }
}
