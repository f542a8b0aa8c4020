using System.CommandLine;
using Konnect.Commands;
using Konnect.Gateway;

namespace Konnect.Cli.Tests.Commands;

/// <summary>
/// Every setting of `konnect run`, through the same parse as the binary (<see cref="KonnectCommand"/>) with a test's
/// environment: the flag beats the variable, the variable beats the default, and a bad variable is an error naming it.
/// </summary>
public sealed class RunSettingsTests
{
    /// <param name="Flag">The flag with its value(s).</param>
    /// <param name="Variable">The variable set next to it, to a value that reads differently from the flag's and the default.</param>
    /// <param name="Read">Where the setting lands in <see cref="RunOptions"/>.</param>
    private sealed record Case(string[] Flag, string Variable, string VariableValue, Func<RunOptions, object?> Read, object? FromFlag, object? FromVariable, object? Default)
    {
        /// <summary>Arguments that come before the flag (the Redis settings need an address).</summary>
        public string[] Before { get; init; } = [];
    }

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["--manifests"] = new(["--manifests", "/flag"], "KONNECT_MANIFESTS", "/variable, with a comma", o => o.Manifests, new[] { "/flag" }, new[] { "/variable, with a comma" }, null),
        ["--listen"] = new(["--listen", "http://127.0.0.1:1", "http://127.0.0.1:2"], "KONNECT_LISTEN", " http://127.0.0.1:3 ,http://127.0.0.1:4", o => o.Listen,
            new[] { "http://127.0.0.1:1", "http://127.0.0.1:2" }, new[] { "http://127.0.0.1:3", "http://127.0.0.1:4" }, new[] { "http://0.0.0.0:8080" }),
        ["--admin-listen"] = new(["--admin-listen", "http://127.0.0.1:1"], "KONNECT_ADMIN_LISTEN", "http://127.0.0.1:2", o => o.AdminListen,
            new[] { "http://127.0.0.1:1" }, new[] { "http://127.0.0.1:2" }, new[] { "http://0.0.0.0:9090" }),
        ["--portal-listen"] = new(["--portal-listen", "http://127.0.0.1:1"], "KONNECT_PORTAL_LISTEN", "http://127.0.0.1:2", o => o.PortalListen,
            new[] { "http://127.0.0.1:1" }, new[] { "http://127.0.0.1:2" }, Array.Empty<string>()),
        ["--portal-consumers"] = new(["--portal-consumers", "everyone"], "KONNECT_PORTAL_CONSUMERS", "everyone", o => o.PortalConsumerNames,
            PortalConsumerNames.Everyone, PortalConsumerNames.Everyone, PortalConsumerNames.Namespace),
        ["--analytics"] = new(["--analytics", "no"], "KONNECT_ANALYTICS", "false", o => o.Analytics, false, false, true),
        ["--analytics-memory"] = new(["--analytics-memory", "1Mi"], "KONNECT_ANALYTICS_MEMORY", "2Ki", o => o.AnalyticsMemory, 1024L * 1024, 2048L, 64L * 1024 * 1024),
        ["--listen-tls"] = new(["--listen-tls", "none"], "KONNECT_LISTEN_TLS", "https://127.0.0.1:1", o => o.ListenTls,
            Array.Empty<string>(), new[] { "https://127.0.0.1:1" }, new[] { "https://0.0.0.0:8443" }),
        ["--default-certificate"] = new(["--default-certificate", "a/flag"], "KONNECT_DEFAULT_CERTIFICATE", "a/variable", o => o.DefaultCertificate, "a/flag", "a/variable", null),
        ["--https-redirect-port"] = new(["--https-redirect-port", "443"], "KONNECT_HTTPS_REDIRECT_PORT", "8443", o => o.HttpsRedirectPort, 443, 8443, null),
        // No variable of its own (KUBECONFIG is the loader's): KONNECT_KUBECONFIG is not read.
        ["--kubeconfig"] = new(["--kubeconfig", "/flag"], "KONNECT_KUBECONFIG", "/variable", o => o.Kubeconfig, "/flag", null, null),
        ["--context"] = new(["--context", "flag"], "KONNECT_CONTEXT", "variable", o => o.Context, "flag", "variable", null),
        ["--namespace"] = new(["-n", "a", "--namespace", "b"], "KONNECT_NAMESPACES", "c,d", o => o.Namespaces, new[] { "a", "b" }, new[] { "c", "d" }, Array.Empty<string>()),
        ["--lease-namespace"] = new(["--lease-namespace", "flag"], "POD_NAMESPACE", "variable", o => o.LeaseNamespace, "flag", "variable", null),
        ["--lease-duration"] = new(["--lease-duration", "30s"], "KONNECT_LEASE_DURATION", "20s", o => o.LeaseDuration,
            TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(15)),
        ["--renew-deadline"] = new(["--renew-deadline", "8s"], "KONNECT_RENEW_DEADLINE", "5s", o => o.RenewDeadline,
            TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10)),
        ["--retry-period"] = new(["--retry-period", "500ms"], "KONNECT_RETRY_PERIOD", "1s", o => o.RetryPeriod,
            TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)),
        ["--publish-service"] = new(["--publish-service", "konnect-system/flag"], "KONNECT_PUBLISH_SERVICE", "konnect-system/variable", o => o.PublishService,
            "konnect-system/flag", "konnect-system/variable", null),
        ["--publish-address"] = new(["--publish-address", "203.0.113.1", "gw.example.com"], "KONNECT_PUBLISH_ADDRESS", "203.0.113.2, lb.example.com", o => o.PublishAddresses,
            new[] { "203.0.113.1", "gw.example.com" }, new[] { "203.0.113.2", "lb.example.com" }, Array.Empty<string>()),
        ["--access-log"] = new(["--access-log", "on"], "KONNECT_ACCESS_LOG", "off", o => o.AccessLog, true, false, true),
        ["--access-log-sample"] = new(["--access-log-sample", "0.5"], "KONNECT_ACCESS_LOG_SAMPLE", "0.25", o => o.AccessLogSampleRatio, 0.5, 0.25, 1.0),
        ["--metrics"] = new(["--metrics", "yes"], "KONNECT_METRICS", "false", o => o.Metrics, true, false, true),
        ["--consumer-metrics"] = new(["--consumer-metrics", "false"], "KONNECT_CONSUMER_METRICS", "on", o => o.ConsumerMetrics, false, true, false),
        ["--cache-size"] = new(["--cache-size", "1Mi"], "KONNECT_CACHE_SIZE", "512Ki", o => o.CacheSizeLimit, 1024L * 1024, 512L * 1024, 64L * 1024 * 1024),
        ["--log-format"] = new(["--log-format", "text"], "KONNECT_LOG_FORMAT", "json", o => o.JsonLogs, false, true, false),
        ["--heap-trim"] = new(["--heap-trim", "on"], "KONNECT_HEAP_TRIM", "off", o => o.HeapTrim, true, false, true),
        ["--forwarder"] = new(["--forwarder", "konnect"], "KONNECT_FORWARDER", "yarp", o => o.Forwarder, ForwarderKind.Konnect, ForwarderKind.Yarp, ForwarderKind.Konnect),
        ["--max-request-body-size"] = new(["--max-request-body-size", "1Mi"], "KONNECT_MAX_REQUEST_BODY_SIZE", "512Ki", o => o.ClientLimits.MaxRequestBodySize,
            1024L * 1024, 512L * 1024, 30_000_000L),
        ["--redis"] = new(["--redis", "flag:6379"], "KONNECT_REDIS", "variable:6379", o => o.Redis?.Address, "flag:6379", "variable:6379", null),
        ["--redis-tls"] = new(["--redis-tls", "on"], "KONNECT_REDIS_TLS", "off", o => o.Redis!.Tls, true, false, null) { Before = ["--redis", "r:6379"] },
        ["--redis-tls-ca"] = new(["--redis-tls-ca", "/flag.pem"], "KONNECT_REDIS_TLS_CA", "/variable.pem", o => o.Redis!.TlsCaFile, "/flag.pem", "/variable.pem", null)
        {
            Before = ["--redis", "r:6379"],
        },
        ["--redis-tls-server-name"] = new(["--redis-tls-server-name", "flag"], "KONNECT_REDIS_TLS_SERVER_NAME", "variable", o => o.Redis!.TlsServerName, "flag", "variable", null)
        {
            Before = ["--redis", "r:6379"],
        },
        ["--redis-sentinel-service"] = new(["--redis-sentinel-service", "flag"], "KONNECT_REDIS_SENTINEL_SERVICE", "variable", o => o.Redis!.SentinelService, "flag", "variable", null)
        {
            Before = ["--redis", "r:6379"],
        },
        ["--redis-database"] = new(["--redis-database", "1"], "KONNECT_REDIS_DATABASE", "2", o => o.Redis!.Database, 1, 2, null) { Before = ["--redis", "r:6379"] },
        ["--redis-connect-timeout"] = new(["--redis-connect-timeout", "5s"], "KONNECT_REDIS_CONNECT_TIMEOUT", "3s", o => o.Redis!.ConnectTimeout,
            TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(2)) { Before = ["--redis", "r:6379"] },
        ["--redis-timeout"] = new(["--redis-timeout", "250ms"], "KONNECT_REDIS_TIMEOUT", "750ms", o => o.Redis!.CommandTimeout,
            TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(750), TimeSpan.FromSeconds(1)) { Before = ["--redis", "r:6379"] },
    };

    public static TheoryData<string> Flags => [.. Cases.Keys];

    [Fact]
    public void Cases_CoverEveryOptionOfRun()
    {
        var declared = new KonnectCommand(_ => null).Run.Options.Select(o => o.Name).Order(StringComparer.Ordinal);

        Assert.Equal(declared, Cases.Keys.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void Run_FlagAndVariable_FlagWins(string flag)
    {
        var c = Cases[flag];

        var options = Read(new() { [c.Variable] = c.VariableValue }, [.. c.Before, .. c.Flag]);

        Assert.Equal(c.FromFlag, c.Read(options));
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void Run_VariableOnly_VariableWins(string flag)
    {
        var c = Cases[flag];

        var options = Read(new() { [c.Variable] = c.VariableValue }, c.Before);

        Assert.Equal(c.FromVariable ?? c.Default, c.Read(options));
    }

    [Theory]
    [MemberData(nameof(Flags))]
    public void Run_NeitherOrAnEmptyVariable_Default(string flag)
    {
        var c = Cases[flag];

        Assert.Equal(c.Default, c.Read(Read(new(), c.Before)));
        Assert.Equal(c.Default, c.Read(Read(new() { [c.Variable] = " " }, c.Before)));
    }

    [Fact]
    public void Run_MaxRequestBodySizeZero_NoLimit()
    {
        // As nginx's client_max_body_size 0: no limit at all (Kestrel's null).
        Assert.Null(Read(new(), "--max-request-body-size", "0").ClientLimits.MaxRequestBodySize);
        Assert.Null(Read(new() { ["KONNECT_MAX_REQUEST_BODY_SIZE"] = "0" }).ClientLimits.MaxRequestBodySize);
    }

    [Fact]
    public void Run_RedisCredentials_FromTheEnvironmentOnly()
    {
        var options = Read(new()
        {
            ["KONNECT_REDIS"] = "r:6379",
            ["KONNECT_REDIS_USERNAME"] = "user",
            ["KONNECT_REDIS_PASSWORD"] = "pass word ",
            ["KONNECT_REDIS_SENTINEL_USERNAME"] = "sentinel-user",
            ["KONNECT_REDIS_SENTINEL_PASSWORD"] = "sentinel-pass",
        });

        Assert.Equal(("user", "pass word ", "sentinel-user", "sentinel-pass"),
            (options.Redis!.Username, options.Redis.Password, options.Redis.SentinelUsername, options.Redis.SentinelPassword));
        Assert.Null(Read(new()).Redis);
    }

    [Theory]
    [InlineData("KONNECT_ACCESS_LOG", "maybe", "KONNECT_ACCESS_LOG: \"maybe\" is not on or off")]
    [InlineData("KONNECT_CONSUMER_METRICS", "sometimes", "KONNECT_CONSUMER_METRICS: \"sometimes\" is not on or off")]
    [InlineData("KONNECT_ACCESS_LOG_SAMPLE", "1.5", "KONNECT_ACCESS_LOG_SAMPLE: \"1.5\" is not a number from 0 to 1")]
    [InlineData("KONNECT_LEASE_DURATION", "0s", "KONNECT_LEASE_DURATION: \"0s\" is not a duration such as 1s or 500ms")]
    [InlineData("KONNECT_REDIS_TIMEOUT", "soon", "KONNECT_REDIS_TIMEOUT: \"soon\" is not a duration such as 1s or 500ms")]
    [InlineData("KONNECT_CACHE_SIZE", "lots", "KONNECT_CACHE_SIZE: \"lots\" is not a size such as 64Mi, 512Ki or 1048576")]
    [InlineData("KONNECT_HTTPS_REDIRECT_PORT", "https", "KONNECT_HTTPS_REDIRECT_PORT: \"https\" is not a port number (1-65535)")]
    [InlineData("KONNECT_REDIS_DATABASE", "-1", "KONNECT_REDIS_DATABASE: \"-1\" is not a number (0 or more)")]
    [InlineData("KONNECT_FORWARDER", "nginx", "KONNECT_FORWARDER: \"nginx\" is not konnect or yarp")]
    [InlineData("KONNECT_LOG_FORMAT", "JSON", "KONNECT_LOG_FORMAT: \"JSON\" is not text or json")]
    [InlineData("KONNECT_REDIS_TLS", "maybe", "KONNECT_REDIS_TLS: \"maybe\" is not on, off or auto")]
    public void Run_BadVariable_OneErrorNamingIt(string variable, string value, string error)
    {
        var parse = Parse(new() { [variable] = value }, "run");

        Assert.Equal(error, Assert.Single(parse.Errors).Message);
    }

    [Theory]
    [InlineData("KONNECT_FORWARDER", "nginx", "--forwarder", "yarp")]
    [InlineData("KONNECT_REDIS_TIMEOUT", "soon", "--redis-timeout", "2s")]
    public void Run_BadVariableAndAGoodFlag_TheFlagWinsWithoutAnError(string variable, string value, string flag, string flagValue)
    {
        var parse = Parse(new() { [variable] = value }, "run", flag, flagValue);

        Assert.Empty(parse.Errors);
    }

    [Theory]
    [InlineData("--https-redirect-port", "0", "--https-redirect-port: \"0\" is not a port number (1-65535)")]
    [InlineData("--cache-size", "lots", "--cache-size: \"lots\" is not a size such as 64Mi, 512Ki or 1048576")]
    [InlineData("--lease-duration", "soon", "--lease-duration: \"soon\" is not a duration such as 1s or 500ms")]
    [InlineData("--heap-trim", "maybe", "--heap-trim (or KONNECT_HEAP_TRIM) takes on or off")]
    public void Run_BadFlag_OneErrorNamingIt(string flag, string value, string error)
    {
        var parse = Parse(new(), "run", flag, value);

        Assert.Equal(error, Assert.Single(parse.Errors).Message);
    }

    [Fact]
    public void Declarations_DefaultsParseAndVariablesAreUnique()
    {
        // Constructing the settings parses every declared default (a bad one throws); the variables must not collide.
        var konnect = new KonnectCommand(_ => null);
        var variables = konnect.Run.Options.OfType<ISetting>().Select(s => s.Variable).OfType<string>()
            .Concat(konnect.Run.Variables.Select(v => v.Variable)).ToList();

        Assert.Equal(variables.Count, variables.Distinct(StringComparer.Ordinal).Count());
        Assert.All(konnect.Run.Options, o => Assert.IsAssignableFrom<ISetting>(o));
    }

    private static ParseResult Parse(Dictionary<string, string> environment, params string[] args) =>
        new KonnectCommand(name => environment.GetValueOrDefault(name)).Root.Parse(args);

    private static RunOptions Read(Dictionary<string, string> environment, params string[] args)
    {
        var konnect = new KonnectCommand(name => environment.GetValueOrDefault(name));
        var parse = konnect.Root.Parse(["run", .. args]);
        Assert.Empty(parse.Errors);
        return konnect.Run.Read(parse);
    }
}
