using Konnect.Controller;
using Konnect.Controller.Sources;
using Konnect.Controller.Status;
using Konnect.Controller.Store;
using Konnect.Gateway;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Konnect.Commands;

/// <summary>What `konnect run` was asked to do.</summary>
public sealed record RunOptions(string? Manifests, IReadOnlyList<string> Listen, IReadOnlyList<string> AdminListen);

/// <summary>
/// `konnect run`: composes the pipeline — a source feeding the store, the reconciler translating it, the gateway
/// serving it — and runs until stopped. Folder mode today; the Kubernetes source joins here later.
/// </summary>
public static class RunCommand
{
    public static async Task<int> RunAsync(RunOptions options, CancellationToken cancellationToken)
    {
        if (options.Manifests is null)
        {
            await Console.Error.WriteLineAsync("konnect run: give --manifests DIR (or KONNECT_MANIFESTS); watching a cluster is not built yet.").ConfigureAwait(false);
            return 2;
        }
        if (!Directory.Exists(options.Manifests))
        {
            await Console.Error.WriteLineAsync($"konnect run: --manifests {options.Manifests}: no such folder").ConfigureAwait(false);
            return 2;
        }
        WebApplication app;
        try
        {
            app = Build(options);
        }
        catch (ArgumentException e)
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
            services.AddSingleton(sp => new ManifestSource(
                Path.GetFullPath(options.Manifests!),
                sp.GetRequiredService<ResourceStore>(),
                TimeProvider.System,
                sp.GetRequiredService<ILogger<ManifestSource>>()));
            services.AddHostedService(sp => sp.GetRequiredService<ManifestSource>());
            services.AddHostedService<Reconciler>();
        });
    }
}
