using Konnect.Controller;
using Konnect.Controller.Sources;
using Konnect.Controller.Status;
using Konnect.Controller.Store;
using Konnect.Gateway;
using Konnect.Kubernetes;
using Konnect.Kubernetes.Config;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Konnect.Commands;

/// <summary>What `konnect run` was asked to do.</summary>
public sealed record RunOptions(string? Manifests, IReadOnlyList<string> Listen, IReadOnlyList<string> AdminListen)
{
    public string? Kubeconfig { get; init; }
    public string? Context { get; init; }
    public IReadOnlyList<string> Namespaces { get; init; } = [];
}

/// <summary>
/// `konnect run`: composes the pipeline — a source feeding the store, the reconciler translating it, the gateway
/// serving it — and runs until stopped. Folder mode today; the Kubernetes source joins here later.
/// </summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(RunOptions options, CancellationToken cancellationToken)
    {
        if (options.Manifests is not null && !Directory.Exists(options.Manifests))
        {
            await Console.Error.WriteLineAsync($"konnect run: --manifests {options.Manifests}: no such folder").ConfigureAwait(false);
            return 2;
        }
        WebApplication app;
        try
        {
            app = Build(options);
        }
        catch (Exception e) when (e is ArgumentException or KubeConfigException)
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
        };
        return GatewayHost.Build(gateway, services =>
        {
            services.TryAddSingleton<ResourceStore>();
            services.TryAddSingleton<StatusBoard>();
            services.TryAddSingleton<IStatusSink>(sp => sp.GetRequiredService<StatusBoard>());
            if (options.Manifests is not null)
            {
                services.AddSingleton(sp => new ManifestSource(
                    Path.GetFullPath(options.Manifests),
                    sp.GetRequiredService<ResourceStore>(),
                    TimeProvider.System,
                    sp.GetRequiredService<ILogger<ManifestSource>>()));
                services.AddHostedService(sp => sp.GetRequiredService<ManifestSource>());
            }
            else
            {
                AddKubernetes(services, options);
            }
            services.AddHostedService<Reconciler>();
        });
    }

    /// <summary>Cluster mode: the config is resolved now, so a missing kubeconfig fails at start with a clear message.</summary>
    private static void AddKubernetes(IServiceCollection services, RunOptions options)
    {
        var config = KubeConfigLoader.Load(options.Kubeconfig, options.Context);
        services.AddSingleton(config);
        services.AddSingleton<IKubeApiClient>(_ => new KubeApiClient(config, new KubeApiClientOptions { UserAgent = "konnect/" + VersionCommand.Version }));
        services.AddSingleton(new KubernetesSourceOptions { Namespaces = options.Namespaces });
        services.AddSingleton<KubernetesSource>();
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
