using System.Globalization;

namespace Konnect.Gateway.Redis;

/// <summary>Where Redis is and how to log in. <see cref="ToString"/> names the endpoint only: the password is never printed.</summary>
public sealed class RedisOptions
{
    /// <summary>"host:port" (port defaults to 6379).</summary>
    public required string Endpoint { get; init; }
    /// <summary>ACL user for AUTH; null uses the default user (password only, AUTH password).</summary>
    public string? Username { get; init; }
    /// <summary>Sent with AUTH; null means no AUTH.</summary>
    public string? Password { get; init; }
    /// <summary>SELECTed after connecting when not 0.</summary>
    public int Database { get; init; }
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>How long one command may wait for its reply before the connection is dropped and the call fails.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Connections kept open; commands are pipelined on each, so a few serve a busy gateway.</summary>
    public int PoolSize { get; init; } = 2;
    /// <summary>After a failed connect, calls fail at once for this long instead of each waiting for a connect timeout.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <exception cref="FormatException">The endpoint is not host:port.</exception>
    public (string Host, int Port) ParseEndpoint()
    {
        var text = Endpoint.Trim();
        var colon = text.LastIndexOf(':');
        // "[::1]:6379" or "host:6379"; a bare IPv6 address without brackets has more than one colon and no port.
        if (colon > 0 && text.IndexOf(':') == colon || text.StartsWith('[') && colon > text.IndexOf(']'))
        {
            var host = text[..colon].Trim('[', ']');
            if (host.Length > 0 && int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536)
            {
                return (host, port);
            }
            throw new FormatException($"Redis endpoint \"{Endpoint}\" is not host:port");
        }
        if (text.Length == 0) { throw new FormatException("Redis endpoint is empty; use host:port"); }
        return (text.Trim('[', ']'), 6379);
    }

    public override string ToString() => Endpoint;
}
