using System.Globalization;
using System.Text;

namespace Konnect.Reliability.Tests.Infrastructure;

/// <summary>
/// What the churn and soak parts share: konnect-echo as the upstream, and the real `konnect` serving a folder of
/// <c>routes</c> steady routes (ten to a file, each rewriting its prefix to a path of its own, so an answer shows which
/// route served it), of which every n-th is a load target. <see cref="RouteChurn"/> adds its routes beside them.
/// </summary>
public sealed class LoadedGateway : IAsyncDisposable
{
    private LoadedGateway(RouteFolder folder, EchoUpstream echo, KonnectProcess konnect, IReadOnlyList<LoadTarget> targets)
    {
        Folder = folder;
        Echo = echo;
        Konnect = konnect;
        Targets = targets;
    }

    public RouteFolder Folder { get; }
    public EchoUpstream Echo { get; }
    public KonnectProcess Konnect { get; }

    /// <summary>The routes under load, none of which the churn touches.</summary>
    public IReadOnlyList<LoadTarget> Targets { get; }

    public static async Task<LoadedGateway> StartAsync(int routes, int loadTargets)
    {
        var folder = new RouteFolder();
        var echo = EchoUpstream.Start("load");
        Task<KonnectProcess>? konnect = null;
        try
        {
            var targets = WriteRoutes(folder, echo, routes, loadTargets);
            // konnect starts while the upstream does: neither needs the other until traffic flows.
            konnect = KonnectProcess.StartAsync(folder.Folder);
            await Task.WhenAll(konnect, echo.ReadyAsync());
            return new LoadedGateway(folder, echo, await konnect, targets);
        }
        catch
        {
            if (konnect is { IsCompletedSuccessfully: true }) { await (await konnect).DisposeAsync(); }
            await echo.DisposeAsync();
            folder.Dispose();
            throw;
        }
    }

    private static List<LoadTarget> WriteRoutes(RouteFolder folder, EchoUpstream echo, int routes, int loadTargets)
    {
        var targets = new List<LoadTarget>();
        var every = Math.Max(1, routes / loadTargets);
        for (var file = 0; file * 10 < routes; file++)
        {
            var yaml = new StringBuilder();
            for (var i = file * 10; i < Math.Min(routes, file * 10 + 10); i++)
            {
                yaml.Append(RouteFolder.Route($"load-{i}", $"/load/{i}", echo.Url, $"/l{i}-ok"));
                if (i % every == 0 && targets.Count < loadTargets)
                {
                    targets.Add(new LoadTarget($"/load/{i}/x", echo.BodyFragment($"/l{i}-ok/x"), $"\"backend\": \"{echo.Name}\""));
                }
            }
            folder.Write(string.Create(CultureInfo.InvariantCulture, $"load-{file:D4}.yaml"), yaml.ToString());
        }
        return targets;
    }

    public async ValueTask DisposeAsync()
    {
        await Konnect.DisposeAsync();
        await Echo.DisposeAsync();
        Folder.Dispose();
    }
}
