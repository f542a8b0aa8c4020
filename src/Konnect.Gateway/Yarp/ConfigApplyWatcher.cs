using System.Collections.Concurrent;
using Yarp.ReverseProxy.Configuration;

namespace Konnect.Gateway.Yarp;

/// <summary>
/// Learns from YARP when a snapshot we handed to the in-memory provider is live. YARP reloads on a change-token
/// callback, so Update returns before the new routes exist; only ConfigurationApplied says they do.
/// </summary>
internal sealed class ConfigApplyWatcher : IConfigChangeListener
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _pending = new(StringComparer.Ordinal);

    /// <summary>Registers interest in <paramref name="revisionId"/>; call before handing YARP the snapshot.</summary>
    public Task Expect(string revisionId)
    {
        // Continuations must not run on YARP's reload path: the publisher goes on to read YARP's endpoints.
        var applied = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[revisionId] = applied;
        return applied.Task;
    }

    public void Forget(string revisionId) => _pending.TryRemove(revisionId, out _);

    public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
        foreach (var config in proxyConfigs)
        {
            if (_pending.TryRemove(config.RevisionId, out var applied))
            {
                applied.TrySetResult();
            }
        }
    }

    public void ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception exception)
    {
        foreach (var config in proxyConfigs)
        {
            if (_pending.TryRemove(config.RevisionId, out var applied))
            {
                applied.TrySetException(new InvalidOperationException("YARP refused the configuration snapshot.", exception));
            }
        }
    }

    public void ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    public void ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception exception)
    {
    }
}
