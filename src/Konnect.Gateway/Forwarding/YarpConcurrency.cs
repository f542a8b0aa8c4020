using System.Linq.Expressions;
using System.Reflection;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.Forwarding;

/// <summary>
/// The in-flight counters YARP's own forwarding step keeps per destination and cluster. The least-requests and
/// power-of-two-choices load balancers read them, so a request Konnect forwards itself must count exactly as one YARP
/// forwards. YARP exposes only a plain setter (a read-modify-write that loses counts under concurrency); its atomic
/// counter is internal, so these delegates are bound to it once. Bound to Yarp.ReverseProxy 2.3 (pinned centrally);
/// <see cref="Available"/> is false if a future version moves it, and the gateway then leaves forwarding to YARP.
/// </summary>
internal static class YarpConcurrency
{
    private static readonly Action<DestinationState>? DestinationEnter = Bind<DestinationState>("Increment");
    private static readonly Action<DestinationState>? DestinationLeave = Bind<DestinationState>("Decrement");
    private static readonly Action<ClusterState>? ClusterEnter = Bind<ClusterState>("Increment");
    private static readonly Action<ClusterState>? ClusterLeave = Bind<ClusterState>("Decrement");

    public static bool Available => DestinationEnter is not null && DestinationLeave is not null && ClusterEnter is not null && ClusterLeave is not null;

    public static void Enter(ClusterState cluster, DestinationState destination)
    {
        ClusterEnter!(cluster);
        DestinationEnter!(destination);
    }

    public static void Leave(ClusterState cluster, DestinationState destination)
    {
        DestinationLeave!(destination);
        ClusterLeave!(cluster);
    }

    private static Action<T>? Bind<T>(string method)
    {
        var counter = typeof(T).GetProperty("ConcurrencyCounter", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
        var step = counter?.PropertyType.GetMethod(method, BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, Type.EmptyTypes);
        if (counter?.GetMethod is null || step is null) { return null; }
        var state = Expression.Parameter(typeof(T), "state");
        return Expression.Lambda<Action<T>>(Expression.Call(Expression.Property(state, counter), step), state).Compile();
    }
}
