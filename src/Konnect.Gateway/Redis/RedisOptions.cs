using System.Globalization;

namespace Konnect.Gateway.Redis;

/// <summary>
/// Where the Redis of cluster-scoped rate limits is and how to reach it, as `konnect run` was given it. Nothing here
/// is a secret except <see cref="Password"/> and <see cref="SentinelPassword"/>, which come from the environment only
/// and never appear in <see cref="ToString"/>, a log line, a status or an exception message.
/// </summary>
public sealed class RedisOptions
{
    /// <summary>
    /// "host:port" (port 6379 when left out, TLS or not), several separated by commas
    /// (a Redis Cluster's seed nodes, or the Sentinels when <see cref="SentinelService"/> is set), or a URL
    /// "redis://[user@]host:port[,host:port...][/database]"; "rediss://" turns TLS on.
    /// </summary>
    public required string Address { get; init; }

    /// <summary>TLS on or off; null follows the address ("rediss://" on, otherwise off unless a CA file is given).</summary>
    public bool? Tls { get; init; }

    /// <summary>PEM file of the CA certificate(s) that sign the server's certificate (a private CA); the system's trust applies too.</summary>
    public string? TlsCaFile { get; init; }

    /// <summary>The name sent as SNI and required in the server's certificate; null uses each endpoint's host.</summary>
    public string? TlsServerName { get; init; }

    /// <summary>The Sentinel service (master group) name: the address then lists Sentinels, which tell where the primary is.</summary>
    public string? SentinelService { get; init; }

    /// <summary>ACL user; null uses the default user (a URL's "user@" part is used when this is null).</summary>
    public string? Username { get; init; }

    /// <summary>Sent with AUTH/HELLO; null means no password. From KONNECT_REDIS_PASSWORD only.</summary>
    public string? Password { get; init; }

    /// <summary>ACL user of the Sentinels, when they require one of their own.</summary>
    public string? SentinelUsername { get; init; }

    /// <summary>Password of the Sentinels (their requirepass), when they require one. From KONNECT_REDIS_SENTINEL_PASSWORD only.</summary>
    public string? SentinelPassword { get; init; }

    /// <summary>Database number; null takes the URL's "/n", else 0. A Redis Cluster has only database 0.</summary>
    public int? Database { get; init; }

    /// <summary>How long one connection attempt (TCP, TLS, AUTH) may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest a rate-limit decision waits for Redis; past it the request follows failurePolicy.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Checks every setting and returns the parsed address.</summary>
    /// <exception cref="FormatException">A setting is malformed; the message names it (and never holds a password).</exception>
    public RedisAddress Resolve()
    {
        var address = RedisAddress.Parse(Address);
        if (Database is < 0 or > 1_000_000) { throw new FormatException($"Redis database {Database} is out of range (KONNECT_REDIS_DATABASE / --redis-database): use 0 or more"); }
        if (ConnectTimeout <= TimeSpan.Zero || CommandTimeout <= TimeSpan.Zero) { throw new FormatException("--redis-connect-timeout and --redis-timeout must be greater than zero"); }
        if (SentinelService is { } service && string.IsNullOrWhiteSpace(service)) { throw new FormatException("--redis-sentinel-service is empty: name the Sentinel master group, e.g. mymaster"); }
        if (TlsCaFile is { } ca)
        {
            if (!File.Exists(ca)) { throw new FormatException($"--redis-tls-ca {ca}: no such file (a PEM file of the CA certificates that sign the Redis server's certificate)"); }
            RedisTrust.Load(ca);
        }
        if (Tls == false && (address.Tls || TlsCaFile is not null || TlsServerName is not null))
        {
            throw new FormatException("--redis-tls off contradicts a rediss:// address, --redis-tls-ca or --redis-tls-server-name: remove one of them");
        }
        return address;
    }

    /// <summary>Whether connections use TLS.</summary>
    public bool UsesTls(RedisAddress address) => Tls ?? (address.Tls || TlsCaFile is not null || TlsServerName is not null);

    /// <summary>The endpoints (and Sentinel service) for messages; never credentials.</summary>
    public override string ToString()
    {
        string where;
        try { where = string.Join(',', RedisAddress.Parse(Address).Endpoints); }
        catch (FormatException) { where = "(invalid address)"; }
        return SentinelService is { } service ? $"{where} (Sentinel service {service})" : where;
    }
}

/// <summary>An address as <see cref="RedisOptions.Address"/> accepts it, taken apart.</summary>
public sealed record RedisAddress(IReadOnlyList<string> Endpoints, bool Tls, string? Username, int? Database)
{
    /// <exception cref="FormatException">Not an address; the message never repeats a password.</exception>
    public static RedisAddress Parse(string text)
    {
        text ??= "";
        var rest = text.Trim();
        if (rest.Length == 0) { throw new FormatException("the Redis address is empty (--redis / KONNECT_REDIS): use host:port or redis://host:port"); }
        var tls = false;
        string? user = null;
        int? database = null;
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            tls = rest[..scheme].ToLowerInvariant() switch
            {
                "redis" => false,
                "rediss" => true,
                _ => throw new FormatException($"the Redis address scheme \"{rest[..scheme]}\" is not redis:// or rediss://"),
            };
            rest = rest[(scheme + 3)..];
            var at = rest.LastIndexOf('@');
            if (at >= 0)
            {
                var userInfo = rest[..at];
                // A password on the command line is visible to every process on the machine (ps, /proc): refuse it,
                // and say so without repeating the address, which holds it.
                if (userInfo.Contains(':', StringComparison.Ordinal))
                {
                    throw new FormatException("the Redis address holds a password: remove it and set KONNECT_REDIS_PASSWORD instead (the command line is visible to every process on the machine)");
                }
                user = Uri.UnescapeDataString(userInfo);
                rest = rest[(at + 1)..];
            }
            if (rest.IndexOfAny(['?', '#']) >= 0) { throw new FormatException($"the Redis address \"{text}\" has a query or fragment; use the --redis-* options instead"); }
            var slash = rest.IndexOf('/');
            if (slash >= 0)
            {
                var path = rest[(slash + 1)..];
                rest = rest[..slash];
                if (path.Length > 0)
                {
                    database = int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out var db)
                        ? db
                        : throw new FormatException($"the Redis address \"{text}\" ends in \"/{path}\", which is not a database number");
                }
            }
        }
        else if (rest.Contains('@', StringComparison.Ordinal))
        {
            throw new FormatException("the Redis address holds credentials: use host:port, the ACL user in KONNECT_REDIS_USERNAME and the password in KONNECT_REDIS_PASSWORD");
        }

        var endpoints = rest.Split(',', StringSplitOptions.TrimEntries).Select(e => Endpoint(e, text)).ToArray();
        return new RedisAddress(endpoints, tls, user, database);
    }

    /// <summary>"host:port", "[v6]:port" or a bare host (port 6379), normalised to "host:port" / "[v6]:port".</summary>
    private static string Endpoint(string item, string text)
    {
        if (item.Length == 0) { throw new FormatException($"the Redis address \"{text}\" has an empty entry; separate host:port entries with single commas"); }
        string host;
        var port = 6379;
        if (item.StartsWith('['))
        {
            var close = item.IndexOf(']');
            if (close < 0) { throw new FormatException($"\"{item}\" in the Redis address opens [ without ]"); }
            host = item[1..close];
            var tail = item[(close + 1)..];
            if (tail.Length > 0 && (!tail.StartsWith(':') || !TryPort(tail[1..], out port))) { throw new FormatException($"\"{item}\" in the Redis address is not [address]:port"); }
            return $"[{host}]:{port}";
        }
        var colon = item.LastIndexOf(':');
        if (colon >= 0 && item.IndexOf(':') != colon) { throw new FormatException($"\"{item}\" in the Redis address: write an IPv6 address in brackets, e.g. [::1]:6379"); }
        host = colon >= 0 ? item[..colon] : item;
        if (host.Length == 0 || colon >= 0 && !TryPort(item[(colon + 1)..], out port)) { throw new FormatException($"\"{item}\" in the Redis address is not host:port"); }
        return $"{host}:{port}";
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and < 65536;
}
