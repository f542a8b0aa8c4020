using Yarp.ReverseProxy.Model;

namespace Konnect.Gateway.LoadBalancing;

/// <summary>
/// The destinations a request's failed attempts went to, kept on its HttpContext as a feature from its first retry on
/// (a request that is not retried never makes one), so that <see cref="RetryDestinations"/> sends each retry to an
/// endpoint not tried yet.
/// </summary>
internal sealed class TriedDestinations
{
    // Attempts are at most 10: a list scanned by reference beats a set.
    private readonly List<DestinationState> _tried = new(2);

    public void Add(DestinationState destination)
    {
        if (!Contains(destination)) { _tried.Add(destination); }
    }

    public bool Contains(DestinationState destination)
    {
        foreach (var tried in _tried)
        {
            if (ReferenceEquals(tried, destination)) { return true; }
        }
        return false;
    }

    /// <summary>The destinations of <paramref name="available"/> not tried yet, in their order.</summary>
    public List<DestinationState> Untried(IReadOnlyList<DestinationState> available)
    {
        var untried = new List<DestinationState>(available.Count);
        foreach (var destination in available)
        {
            if (!Contains(destination)) { untried.Add(destination); }
        }
        return untried;
    }
}
