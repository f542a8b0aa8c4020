using Konnect.Gateway.Ai;
using Konnect.Gateway.Ai.Providers;
using Konnect.Gateway.Ai.Quotas;
using Konnect.Gateway.Configuration;
using Konnect.Gateway.Forwarding;
using Konnect.Gateway.Health;
using Konnect.Gateway.LoadBalancing;
using Konnect.Gateway.Management;
using Konnect.Gateway.Mirroring;
using Konnect.Gateway.Observability.AccessLog;
using Konnect.Gateway.Observability.Metrics;
using Konnect.Gateway.Observability.Tracing;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Gateway.Policies.Caching;
using Konnect.Gateway.Policies.RateLimiting;
using Konnect.Gateway.Redis;
using Konnect.Gateway.Resilience;
using Konnect.Gateway.Routing;
using Konnect.Gateway.Tls;
using Konnect.Model;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.LoadBalancing;

namespace Konnect.Gateway.Hosting;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Registers the data plane: YARP fed from memory, Konnect's router, load balancing and transforms, the
    /// <see cref="IConfigPublisher"/> that applies gateway models, and Kestrel listeners for traffic and admin.
    /// Pair with <c>app.UseKonnectGateway()</c>.
    /// </summary>
    public static IServiceCollection AddKonnectGateway(this IServiceCollection services, Action<GatewayOptions>? configure = null)
    {
        var options = new GatewayOptions();
        configure?.Invoke(options);
        return services.AddKonnectGateway(options);
    }

    /// <summary>As above, with the options instance itself (registered as the singleton, so no setting is left behind).</summary>
    public static IServiceCollection AddKonnectGateway(this IServiceCollection services, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ValidatePorts(options);
        // A malformed --redis (or a missing --redis-tls-ca file) fails at start (FormatException), not at the first cluster-limited request.
        options.Redis?.Resolve();

        services.AddSingleton(options);
        services.AddSingleton<GatewayState>();
        services.AddSingleton<CurrentRouteTable>();
        services.AddSingleton<GatewayListeners>();
        services.AddSingleton(sp => new Observability.Analytics.CallAnalytics(options.AnalyticsMemoryLimit, TimeProvider.System));
        // h2c prior knowledge on the traffic ports: Kestrel binds the handoff as a transport of its own.
        services.AddSingleton<H2cHandoff>();
        services.AddSingleton<Microsoft.AspNetCore.Connections.IConnectionListenerFactory>(sp => sp.GetRequiredService<H2cHandoff>());
        services.AddMetrics();
        services.AddSingleton(sp => new GatewayMetrics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), options,
            () => sp.GetRequiredService<Yarp.ReverseProxy.IProxyStateLookup>(), sp.GetRequiredService<GatewayState>(),
            sp.GetService<CircuitBreakerRegistry>()));
        // /metrics: this gateway's prometheus-net registry (GatewayMetrics), served by prometheus-net.AspNetCore.
        services.AddSingleton<MetricsEndpoint>();
        services.AddSingleton<RequestMirror>();
        services.TryAddSingleton(_ => AccessLogOutput.Stdout());
        services.AddSingleton(sp => new AccessLogWriter(sp.GetRequiredService<AccessLogOutput>(), sp.GetRequiredService<GatewayMetrics>().AccessLogDropped));
        services.AddHostedService(sp => sp.GetRequiredService<AccessLogWriter>());
        // OpenTelemetry tracing, on only when an OTLP endpoint is configured; disposed (and flushed) with the host.
        services.AddSingleton<GatewayTracing>();
        services.AddKonnectTls();
        // The newest status of every object, served on /status, and where the data plane tells what only it learns (a
        // JWKS it cannot load, a Redis that does not answer): both are the control plane's, registered by the host after
        // this. A gateway hosted alone serves an empty /status and its reports go nowhere.
        services.TryAddSingleton<IObjectStatuses>(NoControlPlane.Instance);
        services.TryAddSingleton<IDataPlaneReports>(NoControlPlane.Instance);
        // Data-plane I/O for jwt policies: JWKS documents are fetched and cached here, never by the translator.
        services.AddSingleton(sp => new JwksCache(options, sp.GetRequiredService<ILogger<JwksCache>>()));
        // Fetches each applied model's JWKS before the first token needs them.
        services.AddSingleton<JwksWarmer>();
        services.AddHostedService(sp => sp.GetRequiredService<JwksWarmer>());
        services.TryAddSingleton(_ => new ResponseCache(options, TimeProvider.System));
        // Rate limits: counters live across models in the registry; cluster scope shares them through Redis.
        if (options.Redis is { } redis)
        {
            services.AddSingleton(sp => new RedisConnection(redis, sp.GetRequiredService<ILogger<RedisConnection>>()));
        }
        services.AddSingleton(sp => new RedisHealth(sp.GetRequiredService<GatewayState>(),
            sp.GetRequiredService<IDataPlaneReports>(), sp.GetRequiredService<ILogger<RedisHealth>>(),
            sp.GetService<RedisConnection>()));
        services.AddHostedService(sp => sp.GetRequiredService<RedisHealth>());
        services.AddSingleton(sp => new RateLimiterRegistry(sp.GetRequiredService<GatewayState>(),
            sp.GetRequiredService<RedisHealth>(), sp.GetService<RedisConnection>()));
        services.AddSingleton<DestinationWeights>();
        services.AddSingleton(_ => new AiRules(TimeProvider.System));
        services.AddSingleton(sp => new ProviderCaller(AiHttp.CreateInvoker(), sp.GetRequiredService<ILogger<ProviderCaller>>()));
        services.AddSingleton(sp =>
        {
            var ledgers = new QuotaLedgers(TimeProvider.System, sp.GetService<RedisConnection>(), sp.GetRequiredService<ILogger<QuotaLedgers>>());
            // Counters of rules that are gone are dropped with the model that removed them.
            sp.GetRequiredService<GatewayState>().ModelApplied += model =>
                ledgers.Retain(model.Routes.Where(r => r.Policies?.Ai is { Quotas.Count: > 0 }).Select(r => r.Id).ToHashSet(StringComparer.Ordinal));
            return ledgers;
        });
        services.AddSingleton(sp => new AiMetrics(sp.GetRequiredService<GatewayMetrics>()));
        services.AddSingleton<AiExchange>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadBalancingPolicy, WeightedLoadBalancingPolicy>());
        // The API's load-aware algorithms, counting what both forwarders have in flight (see DestinationLoad).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadBalancingPolicy, LeastRequestsPolicy>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoadBalancingPolicy, PowerOfTwoChoicesPolicy>());
        services.AddSingleton(sp => new YarpRuntime(
            sp.GetRequiredService<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory>(),
            sp.GetRequiredService<Yarp.ReverseProxy.Transforms.Builder.ITransformBuilder>(),
            sp.GetRequiredService<Yarp.ReverseProxy.Health.IClusterDestinationsUpdater>(),
            sp.GetServices<Yarp.ReverseProxy.Model.IClusterChangeListener>(),
            sp.GetRequiredService<DestinationWeights>()));
        services.AddSingleton(sp => new GatewayConfigPublisher(
            sp.GetRequiredService<YarpRuntime>(),
            sp.GetRequiredService<IConfigValidator>(),
            sp.GetRequiredService<GatewayState>(),
            sp.GetRequiredService<CurrentRouteTable>(),
            sp.GetRequiredService<ILogger<GatewayConfigPublisher>>()));
        services.AddSingleton<IConfigPublisher>(sp => sp.GetRequiredService<GatewayConfigPublisher>());

        // YARP's own configuration manager holds one anchor route, never matched (Konnect's router picks every
        // endpoint): its endpoint carries YARP's proxy pipeline, which every rule's endpoint in YarpRuntime reuses.
        services.AddReverseProxy()
            .LoadFromMemory(
                [new RouteConfig { RouteId = YarpRuntime.AnchorId, ClusterId = YarpRuntime.AnchorId, Match = new RouteMatch { Path = YarpConfigBuilder.CatchAllPath } }],
                [new ClusterConfig { ClusterId = YarpRuntime.AnchorId }])
            .AddTransforms<KonnectTransformProvider>();
        services.AddKonnectResilience();
        services.AddKonnectHealth();
        // After AddReverseProxy, wrapping YARP's validator: see MemoizingConfigValidator.
        var validator = services.Last(d => d.ServiceType == typeof(IConfigValidator));
        services.Replace(ServiceDescriptor.Singleton<IConfigValidator>(sp => new MemoizingConfigValidator(
            (IConfigValidator)ActivatorUtilities.CreateInstance(sp, validator.ImplementationType!))));
        // After AddReverseProxy: rule clusters live in YarpRuntime, not in YARP's configuration manager.
        services.Replace(ServiceDescriptor.Singleton<Yarp.ReverseProxy.IProxyStateLookup>(sp => sp.GetRequiredService<YarpRuntime>()));
        // After AddReverseProxy, replacing YARP's own: see KonnectForwarderHttpClientFactory.
        services.Replace(ServiceDescriptor.Singleton<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory, KonnectForwarderHttpClientFactory>());

        services.AddSingleton(sp => new UpstreamTargets(options, TimeProvider.System));
        services.AddSingleton<DirectForwarder>();

        // Kestrel runs the request on the transport's I/O thread instead of queueing it to the thread pool (the same
        // reasoning as the inline socket completions the konnect binary turns on: no request path blocks a thread).
        services.Configure<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>(o => o.UnsafePreferInlineScheduling = true);
        services.AddOptions<KestrelServerOptions>().Configure<GatewayListeners, GatewayMetrics, CertificateSelector, H2cHandoff>(
            (kestrel, listeners, metrics, certificates, handoff) =>
        {
            // The Server header tells scanners which CVEs to try and tells clients nothing useful.
            kestrel.AddServerHeader = false;
            KestrelSetup.Configure(kestrel, options, listeners, metrics, certificates, handoff);
        });

        return services;
    }

    private static void ValidatePorts(GatewayOptions options)
    {
        var traffic = ListenUrl.ParseAll(options.TrafficUrls, nameof(options.TrafficUrls));
        var admin = ListenUrl.ParseAll(options.AdminUrls, nameof(options.AdminUrls));
        traffic = [.. traffic, .. ListenUrl.ParseTls(options.TlsUrls, nameof(options.TlsUrls))];
        // The admin branch is chosen by local port, so a shared port would expose /config to traffic clients.
        var shared = traffic.Select(e => e.Port).Intersect(admin.Select(e => e.Port)).Where(p => p != 0).ToList();
        if (shared.Count > 0)
        {
            throw new ArgumentException($"TrafficUrls and AdminUrls share port {shared[0]}; give the admin endpoints their own port.");
        }
        // The portal is chosen by local port too: sharing one with traffic would hand it traffic, and with admin would serve
        // /config and /metrics wherever the portal is published.
        var portal = ListenUrl.ParseOptional(options.PortalUrls, nameof(options.PortalUrls)).Select(e => e.Port).Where(p => p != 0).ToList();
        if (portal.Intersect(traffic.Select(e => e.Port)).FirstOrDefault() is var withTraffic and > 0)
        {
            throw new ArgumentException($"PortalUrls and TrafficUrls share port {withTraffic}; give the developer portal its own port.");
        }
        if (portal.Intersect(admin.Select(e => e.Port)).FirstOrDefault() is var withAdmin and > 0)
        {
            throw new ArgumentException($"PortalUrls and AdminUrls share port {withAdmin}; give the developer portal its own port.");
        }
    }
}
