using Konnect.Model;
using Konnect.Controller;
using Konnect.Controller.Sources;
using Konnect.Controller.Status;
using Konnect.Controller.Store;
using Konnect.Gateway;
using Konnect.Gateway.Hosting;
using Konnect.Kubernetes;
using Konnect.Kubernetes.Config;
using Konnect.Kubernetes.LeaderElection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Konnect.Commands;

/// <summary>What `konnect run` was asked to do.</summary>
/// <param name="Manifests">Folder mode: the folders to serve as one (null: cluster mode).</param>
public sealed record RunOptions(IReadOnlyList<string>? Manifests, IReadOnlyList<string> Listen, IReadOnlyList<string> AdminListen)
{
    public string? Kubeconfig { get; init; }
    public string? Context { get; init; }
    public IReadOnlyList<string> Namespaces { get; init; } = [];
    /// <summary>Where the leader-election Lease lives (--lease-namespace, else POD_NAMESPACE); default: the kubeconfig's namespace.</summary>
    public string? LeaseNamespace { get; init; }
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);
    public bool AccessLog { get; init; } = true;
    public double AccessLogSampleRatio { get; init; } = 1.0;
    /// <summary>Request metrics and /metrics (--metrics on|off).</summary>
    public bool Metrics { get; init; } = true;
    public bool ConsumerMetrics { get; init; }
    /// <summary>Bytes all cache policies together may hold.</summary>
    public long CacheSizeLimit { get; init; } = 64L * 1024 * 1024;
    /// <summary>Console log lines as JSON objects (one per line, for log shippers) instead of text.</summary>
    public bool JsonLogs { get; init; }
    /// <summary>The Redis for cluster-scoped rate limits (--redis / KONNECT_REDIS, password from KONNECT_REDIS_PASSWORD).</summary>
    public Konnect.Gateway.Redis.RedisOptions? Redis { get; init; }
    /// <summary>HTTPS traffic addresses; empty for no HTTPS listener.</summary>
    public IReadOnlyList<string> ListenTls { get; init; } = [];

    /// <summary>The developer portal's addresses; empty for no portal.</summary>
    public IReadOnlyList<string> PortalListen { get; init; } = [];

    public bool Analytics { get; init; } = true;

    public PortalConsumerNames PortalConsumerNames { get; init; } = PortalConsumerNames.Namespace;

    public long AnalyticsMemory { get; init; } = 64L * 1024 * 1024;
    /// <summary>"namespace/name" of the kubernetes.io/tls Secret served for unknown SNI names; null refuses them.</summary>
    public string? DefaultCertificate { get; init; }
    /// <summary>Compact the heap once changes settle (--heap-trim on|off); see <see cref="HeapTrimmer"/>.</summary>
    public bool HeapTrim { get; init; } = true;
    /// <summary>Which forwarder sends requests upstream (--forwarder konnect|yarp); see <see cref="GatewayOptions.Forwarder"/>.</summary>
    public ForwarderKind Forwarder { get; init; } = ForwarderKind.Konnect;
    /// <summary>The port https redirects name; default the HTTPS listener's.</summary>
    public int? HttpsRedirectPort { get; init; }
    /// <summary>What clients may send, and how slowly (--max-request-body-size); see <see cref="GatewayOptions.ClientLimits"/>.</summary>
    public ClientLimits ClientLimits { get; init; } = new();
    /// <summary>Cluster mode: "namespace/name" of the Service whose addresses Konnect's Ingresses publish (--publish-service).</summary>
    public string? PublishService { get; init; }
    /// <summary>Cluster mode: IPs or host names Konnect's Ingresses publish (--publish-address).</summary>
    public IReadOnlyList<string> PublishAddresses { get; init; } = [];
}

/// <summary>
/// `konnect run`: composes the pipeline — a source feeding the store, the reconciler translating it, the gateway
/// serving it — and runs until stopped. Folder mode today; the Kubernetes source joins here later.
/// </summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(RunOptions options, CancellationToken cancellationToken)
    {
        if (options.Manifests?.FirstOrDefault(folder => !Directory.Exists(folder)) is { } missing)
        {
            await Console.Error.WriteLineAsync($"konnect run: --manifests {missing}: no such folder").ConfigureAwait(false);
            return 2;
        }
        WebApplication app;
        try
        {
            app = Build(options);
        }
        catch (Exception e) when (e is ArgumentException or KubeConfigException or FormatException)
        {
            await Console.Error.WriteLineAsync($"konnect run: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        await using (app.ConfigureAwait(false))
        {
            await app.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>The whole gateway as one application; tests start it on loopback ports.</summary>
    public static WebApplication Build(RunOptions options)
    {
        var gateway = new GatewayOptions
        {
            TrafficUrls = string.Join(';', options.Listen),
            AdminUrls = string.Join(';', options.AdminListen),
            PortalUrls = string.Join(';', options.PortalListen),
            Analytics = options.Analytics,
            PortalConsumerNames = options.PortalConsumerNames,
            AnalyticsMemoryLimit = options.AnalyticsMemory,
            AccessLog = options.AccessLog,
            AccessLogSampleRatio = options.AccessLogSampleRatio,
            Metrics = options.Metrics,
            ConsumerMetrics = options.ConsumerMetrics,
            CacheSizeLimit = options.CacheSizeLimit,
            Redis = options.Redis,
            TlsUrls = string.Join(';', options.ListenTls),
            HttpsRedirectPort = options.HttpsRedirectPort,
            Forwarder = options.Forwarder,
            ClientLimits = options.ClientLimits,
        };
        return GatewayHost.Build(gateway, services =>
        {
            if (options.JsonLogs)
            {
                // The console provider ships a JSON formatter; choosing it keeps the [LoggerMessage] fields as properties.
                services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.FormatterName = Microsoft.Extensions.Logging.Console.ConsoleFormatterNames.Json);
                services.Configure<Microsoft.Extensions.Logging.Console.JsonConsoleFormatterOptions>(o =>
                {
                    o.UseUtcTimestamp = true;
                    o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                });
            }
            services.TryAddSingleton<ResourceStore>();
            services.AddSingleton(new Konnect.Controller.Translation.Tls.TlsTranslationOptions { DefaultCertificate = options.DefaultCertificate });
            services.TryAddSingleton<StatusBoard>();
            services.TryAddSingleton<IStatusSink>(sp => sp.GetRequiredService<StatusBoard>());
            // The two ways the data plane looks back at the control plane: the statuses /status serves, and the
            // conditions only it can learn (the Reconciler lays them over every report).
            services.AddSingleton<IObjectStatuses>(sp => sp.GetRequiredService<StatusBoard>());
            services.TryAddSingleton<DataPlaneConditions>();
            services.AddSingleton<IDataPlaneReports>(sp => sp.GetRequiredService<DataPlaneConditions>());
            if (options.Manifests is not null)
            {
                services.AddSingleton(sp => new ManifestSource(
                    options.Manifests.Select(Path.GetFullPath).ToArray(),
                    sp.GetRequiredService<ResourceStore>(),
                    TimeProvider.System,
                    sp.GetRequiredService<ILogger<ManifestSource>>()));
                services.AddHostedService(sp => sp.GetRequiredService<ManifestSource>());
            }
            else
            {
                AddKubernetes(services, options);
            }
            if (options.HeapTrim)
            {
                services.AddSingleton(HeapTrimOptions.Default);
                services.AddSingleton<HeapTrimmer>();
            }
            // Only the portal shows documents: without it, nothing is fetched.
            if (options.PortalListen.Count > 0)
            {
                services.AddSingleton(sp => new ApiDocumentFetcher(sp.GetRequiredService<ResourceStore>(), TimeProvider.System,
                    sp.GetRequiredService<ILogger<ApiDocumentFetcher>>()));
                services.AddHostedService(sp => sp.GetRequiredService<ApiDocumentFetcher>());
            }
            services.AddHostedService<Reconciler>();
        });
    }

    /// <summary>Cluster mode: the config is resolved now, so a missing kubeconfig fails at start with a clear message.</summary>
    private static void AddKubernetes(IServiceCollection services, RunOptions options)
    {
        // Checked first: a mistyped --publish-service stops the start whatever the kubeconfig says.
        var publish = IngressPublishOptions.Parse(options.PublishService, options.PublishAddresses);
        var config = KubeConfigLoader.Load(options.Kubeconfig, options.Context);
        // Made now, so a client certificate that does not load or a credential plugin that fails stops the start with
        // one clear message (exit code 2) instead of a pod that runs and never lists anything.
        var client = new KubeApiClient(config, new KubeApiClientOptions { UserAgent = "konnect/" + VersionCommand.Version });
        if (config.Client.TokenProvider is ExecCredentialProvider plugin)
        {
            plugin.GetAuthenticationHeaderAsync(CancellationToken.None).GetAwaiter().GetResult();
        }
        services.AddSingleton(config);
        services.AddSingleton(client);
        services.AddSingleton(new KubernetesSourceOptions { Namespaces = options.Namespaces });
        services.AddSingleton<KubernetesSource>();
        var election = new LeaderElectionOptions
        {
            LeaseNamespace = options.LeaseNamespace ?? config.Namespace ?? "default",
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        };
        election.Validate();
        services.AddSingleton(sp => new LeaderElector(sp.GetRequiredService<KubeApiClient>(), election, sp.GetRequiredService<ILogger<LeaderElector>>()));
        services.AddSingleton(sp => new StatusWriter(
            sp.GetRequiredService<KubeApiClient>(), sp.GetRequiredService<LeaderElector>(), new StatusWriterOptions(), sp.GetRequiredService<ILogger<StatusWriter>>()));
        // Ingresses: their address and refusals, beside the conditions StatusWriter writes on Konnect's own kinds.
        services.AddSingleton(sp => new IngressStatusWriter(sp.GetRequiredService<KubeApiClient>(), sp.GetRequiredService<LeaderElector>(), publish,
            new StatusWriterOptions(), sp.GetRequiredService<ILogger<IngressStatusWriter>>()));
        // The Gateway API's GatewayClasses, Gateways (their addresses from the same publish settings) and HTTPRoutes.
        services.AddSingleton(sp => new GatewayApiStatusWriter(sp.GetRequiredService<KubeApiClient>(), sp.GetRequiredService<LeaderElector>(), publish,
            new StatusWriterOptions(), sp.GetRequiredService<ILogger<GatewayApiStatusWriter>>()));
        services.AddSingleton<IStatusSink>(sp => new StatusFanOut(
            [sp.GetRequiredService<StatusBoard>(), sp.GetRequiredService<StatusWriter>(), sp.GetRequiredService<IngressStatusWriter>(),
             sp.GetRequiredService<GatewayApiStatusWriter>()]));
        // Every pod serves traffic; only the elected leader writes status.
        // AddHostedService would keep only the first of two registrations of the same type; these are two loops.
        services.AddSingleton<IHostedService>(sp => new BackgroundLoop(sp.GetRequiredService<LeaderElector>().RunAsync));
        services.AddSingleton<IHostedService>(sp => new BackgroundLoop(sp.GetRequiredService<StatusWriter>().RunAsync));
        services.AddSingleton<IHostedService>(sp => new BackgroundLoop(sp.GetRequiredService<IngressStatusWriter>().RunAsync));
        services.AddSingleton<IHostedService>(sp => new BackgroundLoop(sp.GetRequiredService<GatewayApiStatusWriter>().RunAsync));
        services.AddSingleton(sp => new CertificateWriter(sp.GetRequiredService<KubeApiClient>(), sp.GetRequiredService<ResourceStore>(),
            sp.GetRequiredService<DataPlaneConditions>(), sp.GetRequiredService<LeaderElector>(), sp.GetRequiredService<ILogger<CertificateWriter>>()));
        services.AddSingleton<IHostedService>(sp => new BackgroundLoop(sp.GetRequiredService<CertificateWriter>().RunAsync));
        services.AddHostedService(sp =>
        {
            if (config.InsecureSkipTlsVerify)
            {
                sp.GetRequiredService<ILoggerFactory>().CreateLogger("Konnect").LogWarning(
                    "insecure-skip-tls-verify is set for {Server}: the API server's certificate is NOT checked; anyone on the path can impersonate it", config.Server);
            }
            return sp.GetRequiredService<KubernetesSource>();
        });
    }
}

/// <summary>Runs a component's loop for the life of the host.</summary>
internal sealed class BackgroundLoop(Func<CancellationToken, Task> run) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => run(stoppingToken);
}
