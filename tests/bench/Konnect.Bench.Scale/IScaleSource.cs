namespace Konnect.Bench.Scale;

/// <summary>Where the gateway reads the routes from: a watched folder or the fake Kubernetes API server.</summary>
public interface IScaleSource : IAsyncDisposable
{
    /// <summary>"folder" or "cluster", for the table.</summary>
    string Name { get; }

    /// <summary>The `konnect run` arguments that point it at this source.</summary>
    IReadOnlyList<string> KonnectArguments { get; }

    /// <summary>True when the gateway writes status here (cluster mode): it does so once it leads, after it is ready.</summary>
    bool WritesStatus { get; }

    /// <summary>Writes every object of <paramref name="set"/> before the gateway starts.</summary>
    Task LoadAsync(RouteSet set);

    /// <summary>Writes the route's current KonnectRoute; returns the UTC time the write completed.</summary>
    Task<DateTime> WriteRouteAsync(RouteSet set, int route);

    /// <summary>Writes the route's current EndpointSlice; returns the UTC time the write completed.</summary>
    Task<DateTime> WriteSliceAsync(RouteSet set, int route);
}
