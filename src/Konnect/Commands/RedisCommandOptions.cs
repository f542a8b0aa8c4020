using System.CommandLine;
using Konnect.Gateway.Redis;

namespace Konnect.Commands;

/// <summary>
/// The --redis* settings of `konnect run`, each with its KONNECT_REDIS* variable (see <see cref="Setting{T}"/>).
/// Credentials have no flag at all: they come from the environment only (a Secret mounted as env vars in a cluster),
/// since argv is visible in ps.
/// </summary>
internal sealed class RedisCommandOptions
{
    private static readonly VariableSetting Username = new("KONNECT_REDIS_USERNAME", "The ACL user for Redis (default: the default user).");
    private static readonly VariableSetting Password = new("KONNECT_REDIS_PASSWORD", "The password for Redis (AUTH/HELLO).");
    private static readonly VariableSetting SentinelUsername = new("KONNECT_REDIS_SENTINEL_USERNAME", "The Sentinels' own ACL user, when they have one.");
    private static readonly VariableSetting SentinelPassword =
        new("KONNECT_REDIS_SENTINEL_PASSWORD", "The Sentinels' own password (their requirepass), when they have one.");

    /// <summary>The settings read from the environment only (declared above <see cref="Credentials"/>: initialised first).</summary>
    public static readonly IReadOnlyList<VariableSetting> Credentials = [Username, Password, SentinelUsername, SentinelPassword];

    private readonly Func<string, string?> _environment;
    private readonly Setting<string?> _address;
    private readonly Setting<string> _tls;
    private readonly Setting<string?> _tlsCa;
    private readonly Setting<string?> _tlsServerName;
    private readonly Setting<string?> _sentinelService;
    private readonly Setting<int?> _database;
    private readonly Setting<TimeSpan> _connectTimeout;
    private readonly Setting<TimeSpan> _timeout;

    public RedisCommandOptions(Func<string, string?> environment)
    {
        _environment = environment;
        _address = new("--redis", Syntax.Text,
            "The Redis that rateLimit scope: cluster shares: host:port, several host:port separated by commas (a Redis Cluster's nodes, "
            + "or the Sentinels with --redis-sentinel-service), or redis://[user@]host:port[/db] (rediss:// for TLS). Password from "
            + "KONNECT_REDIS_PASSWORD and ACL user from KONNECT_REDIS_USERNAME (never on the command line).", environment);
        _tls = new("--redis-tls", Syntax.OneOf("on", "off", "auto"),
            "TLS to Redis: on, off, or auto (on for rediss:// or with --redis-tls-ca).", environment, "auto");
        _tlsCa = new("--redis-tls-ca", Syntax.Text,
            "PEM file of the CA certificate(s) that sign the Redis server's certificate (a private CA), re-read at each reconnect.", environment);
        _tlsServerName = new("--redis-tls-server-name", Syntax.Text,
            "The name sent as SNI and required in the Redis server's certificate (default: the host of the address).", environment);
        _sentinelService = new("--redis-sentinel-service", Syntax.Text,
            "Find the primary through Redis Sentinel: the master group name; --redis then lists the Sentinels. Sentinel credentials, "
            + "if they have their own: KONNECT_REDIS_SENTINEL_USERNAME, KONNECT_REDIS_SENTINEL_PASSWORD.", environment);
        _database = new("--redis-database", Syntax.Count, "Database number (default 0, or the /n of a redis:// address).", environment);
        _connectTimeout = new("--redis-connect-timeout", Syntax.Duration, "How long one connection attempt to Redis (TCP, TLS, AUTH) may take.",
            environment, "2s");
        _timeout = new("--redis-timeout", Syntax.Duration,
            "The longest a rate-limit decision waits for Redis; past it (or at once while Redis is unreachable) failurePolicy applies.",
            environment, "1s");
    }

    public IReadOnlyList<Option> Options => [_address, _tls, _tlsCa, _tlsServerName, _sentinelService, _database, _connectTimeout, _timeout];

    /// <summary>The settings, or null without --redis / KONNECT_REDIS. The address is checked when the gateway is built.</summary>
    public RedisOptions? Read(ParseResult parse) => parse.GetValue(_address) is { } address && !string.IsNullOrWhiteSpace(address)
        ? new RedisOptions
        {
            Address = address,
            Tls = parse.GetValue(_tls) switch { "on" => true, "off" => false, _ => null },
            TlsCaFile = parse.GetValue(_tlsCa),
            TlsServerName = parse.GetValue(_tlsServerName),
            SentinelService = parse.GetValue(_sentinelService),
            Database = parse.GetValue(_database),
            ConnectTimeout = parse.GetValue(_connectTimeout),
            CommandTimeout = parse.GetValue(_timeout),
            Username = Username.Read(_environment),
            Password = Password.Read(_environment),
            SentinelUsername = SentinelUsername.Read(_environment),
            SentinelPassword = SentinelPassword.Read(_environment),
        }
        : null;
}
