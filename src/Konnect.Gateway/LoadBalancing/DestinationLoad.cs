using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.LoadBalancing;

/// <summary>
/// A YARP destination's metadata (the entries Konnect gives it, see Configuration's YarpConfigBuilder) that also
/// counts the requests Konnect's own HTTP/1.1 forwarder has in flight to the destination. YARP counts the requests its
/// forwarding step sends in <see cref="DestinationState.ConcurrentRequestCount"/> through an atomic counter it keeps
/// internal; the property's public setter is a plain write (YARP documents it as for tests), so a second forwarder
/// writing it would lose counts. Konnect keeps its own count beside YARP's, and its load-aware policies
/// (<see cref="LeastRequestsPolicy"/>, <see cref="PowerOfTwoChoicesPolicy"/>) weigh a destination by the sum
/// (<see cref="InFlight"/>), so they see every request whichever forwarder sends it.
/// </summary>
/// <remarks>
/// Why in the metadata: the destination's state, model and config are sealed YARP types, and the config's metadata is
/// the one object reachable from a destination whose type Konnect chooses. So the forwarder and each candidate of a
/// pick reach the count in a few field reads, where a table keyed by destination costs a lookup each time (about 12 ns
/// with a ConditionalWeakTable, measured). One per destination of each build: 32 bytes, 0.6 MiB at 20,000 endpoints.
/// The count belongs to the destination state made with this config: the runtime keeps a state, and the config it was
/// made with, while its endpoint stays; a new state comes with a new config and starts at zero, as YARP's count does.
/// The count is not an entry: YARP compares configs by their entries, so it never makes two configs differ.
/// </remarks>
internal sealed class DestinationLoad(IReadOnlyDictionary<string, string>? entries) : IReadOnlyDictionary<string, string>
{
    private static readonly Dictionary<string, string> None = [];

    private readonly IReadOnlyDictionary<string, string> _entries = entries ?? None;
    private int _direct;

    /// <summary>Requests Konnect's forwarder has in flight to this destination.</summary>
    public int Direct => Volatile.Read(ref _direct);

    /// <summary>Counts a request Konnect's forwarder sends; <see cref="Leave"/> when it ends, however it ends.</summary>
    public void Enter() => Interlocked.Increment(ref _direct);

    public void Leave() => Interlocked.Decrement(ref _direct);

    /// <summary>The count of <paramref name="destination"/>, or null for a destination the runtime did not build.</summary>
    public static DestinationLoad? Of(DestinationState destination) => destination.Model?.Config.Metadata as DestinationLoad;

    /// <summary>Requests in flight to <paramref name="destination"/> through either forwarder: what load-aware policies weigh.</summary>
    public static int InFlight(DestinationState destination) => destination.ConcurrentRequestCount + (Of(destination)?.Direct ?? 0);

    public string this[string key] => _entries[key];

    public IEnumerable<string> Keys => _entries.Keys;

    public IEnumerable<string> Values => _entries.Values;

    public int Count => _entries.Count;

    public bool ContainsKey(string key) => _entries.ContainsKey(key);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out string value) => _entries.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
