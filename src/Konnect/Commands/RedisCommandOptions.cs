using System.CommandLine;
using Konnect.Gateway.Redis;

namespace Konnect.Commands;

/// <summary>
/// The --redis* options of `konnect run`, each with its KONNECT_REDIS* environment variable. Credentials have no option
/// at all: they come from the environment only (a Secret mounted as env vars in a cluster), since argv is visible in ps.
/// </summary>
internal sealed class RedisCommandOptions
{
    private readonly Option<string?> _address = new("--redis")
    {
        Description = "The Redis that rateLimit scope: cluster shares: host:port, several host:port separated by commas (a Redis Cluster's "
            + "nodes, or the Sentinels with --redis-sentinel-service), or redis://[user@]host:port[/db] (rediss:// for TLS). Env: KONNECT_REDIS; "
            + "password from KONNECT_REDIS_PASSWORD and ACL user from KONNECT_REDIS_USERNAME (never on the command line).",
        DefaultValueFactory = _ => Env("KONNECT_REDIS"),
    };
    private readonly Option<string> _tls = new("--redis-tls")
    {
        Description = "TLS to Redis: on, off, or auto (the default: on for rediss:// or with --redis-tls-ca). Env: KONNECT_REDIS_TLS.",
        HelpName = "on|off|auto",
        DefaultValueFactory = _ => Env("KONNECT_REDIS_TLS") ?? "auto",
    };
    private readonly Option<string?> _tlsCa = new("--redis-tls-ca")
    {
        Description = "PEM file of the CA certificate(s) that sign the Redis server's certificate (a private CA), re-read at each reconnect. Env: KONNECT_REDIS_TLS_CA.",
        DefaultValueFactory = _ => Env("KONNECT_REDIS_TLS_CA"),
    };
    private readonly Option<string?> _tlsServerName = new("--redis-tls-server-name")
    {
        Description = "The name sent as SNI and required in the Redis server's certificate (default: the host of the address). Env: KONNECT_REDIS_TLS_SERVER_NAME.",
        DefaultValueFactory = _ => Env("KONNECT_REDIS_TLS_SERVER_NAME"),
    };
    private readonly Option<string?> _sentinelService = new("--redis-sentinel-service")
    {
        Description = "Find the primary through Redis Sentinel: the master group name; --redis then lists the Sentinels. "
            + "Sentinel credentials, if they have their own: KONNECT_REDIS_SENTINEL_USERNAME, KONNECT_REDIS_SENTINEL_PASSWORD. Env: KONNECT_REDIS_SENTINEL_SERVICE.",
        DefaultValueFactory = _ => Env("KONNECT_REDIS_SENTINEL_SERVICE"),
    };
    private readonly Option<int?> _database = new("--redis-database")
    {
        Description = "Database number (default 0, or the /n of a redis:// address). Env: KONNECT_REDIS_DATABASE.",
        DefaultValueFactory = result =>
        {
            if (Env("KONNECT_REDIS_DATABASE") is not { } text) { return null; }
            if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var db)) { return db; }
            result.AddError($"KONNECT_REDIS_DATABASE: \"{text}\" is not a database number");
            return null;
        },
    };
    private readonly Option<TimeSpan> _connectTimeout = Duration("--redis-connect-timeout", "KONNECT_REDIS_CONNECT_TIMEOUT",
        "How long one connection attempt to Redis (TCP, TLS, AUTH) may take.", "2s");
    private readonly Option<TimeSpan> _timeout = Duration("--redis-timeout", "KONNECT_REDIS_TIMEOUT",
        "The longest a rate-limit decision waits for Redis; past it (or at once while Redis is unreachable) failurePolicy applies.", "1s");

    public RedisCommandOptions()
    {
        _tls.AcceptOnlyFromAmong("on", "off", "auto");
        _database.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 0) { result.AddError("--redis-database (or KONNECT_REDIS_DATABASE) takes 0 or more"); }
        });
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _address, _tls, _tlsCa, _tlsServerName, _sentinelService, _database, _connectTimeout, _timeout })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The settings, or null without --redis / KONNECT_REDIS. The address is checked when the gateway is built.</summary>
    public RedisOptions? Read(ParseResult parse) => parse.GetValue(_address) is { Length: > 0 } address && !string.IsNullOrWhiteSpace(address)
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
            Username = Env("KONNECT_REDIS_USERNAME"),
            Password = Env("KONNECT_REDIS_PASSWORD"),
            SentinelUsername = Env("KONNECT_REDIS_SENTINEL_USERNAME"),
            SentinelPassword = Env("KONNECT_REDIS_SENTINEL_PASSWORD"),
        }
        : null;

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    private static Option<TimeSpan> Duration(string name, string env, string description, string fallback) => new(name)
    {
        Description = $"{description} Default {fallback}. Env: {env}.",
        DefaultValueFactory = result =>
        {
            var text = Env(env) ?? fallback;
            if (Konnect.Api.Duration.TryParse(text, out var value) && value > TimeSpan.Zero) { return value; }
            result.AddError($"{env}: \"{text}\" is not a duration such as 1s or 500ms");
            return TimeSpan.Zero;
        },
        CustomParser = result =>
        {
            var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : fallback;
            if (Konnect.Api.Duration.TryParse(text, out var value) && value > TimeSpan.Zero) { return value; }
            result.AddError($"{name}: \"{text}\" is not a duration such as 1s or 500ms");
            return TimeSpan.Zero;
        },
    };
}
