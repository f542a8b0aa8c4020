using Konnect.Api.Kubernetes;
using Konnect.Model;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Policies.Authentication;

/// <summary>
/// Fetches every JWKS an applied model uses, so keys are there before the first token arrives, and reports a JWKS
/// that could not be loaded a first time on each KonnectPolicy using it (ResolvedRefs=False, JwksUnavailable) until it
/// loads, retrying every <see cref="GatewayOptions.JwksMinRefreshInterval"/>. Runs beside publishing, never in it: a
/// slow identity provider must not hold up a model. Only first loads are reported: once keys loaded, a failed refresh
/// keeps serving them and is only logged by <see cref="JwksCache"/>.
/// </summary>
public sealed partial class JwksWarmer : IHostedService, IDisposable
{
    private readonly GatewayState _state;
    private readonly JwksCache _cache;
    private readonly IDataPlaneReports _conditions;
    private readonly GatewayOptions _options;
    private readonly ILogger<JwksWarmer> _logger;
    private readonly TimeProvider _time;
    private static readonly TimeSpan MinRetryDelay = TimeSpan.FromMilliseconds(250);
    private readonly CancellationTokenSource _stopping = new();

    // Under _gate: who uses each URI in the applied model, which URIs have a loop running, which failed a first load,
    // and the policies that carry a condition now.
    private readonly Lock _gate = new();
    private IReadOnlyDictionary<string, IReadOnlyList<ObjectRef>> _users = new Dictionary<string, IReadOnlyList<ObjectRef>>();
    private readonly HashSet<string> _loading = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _failed = new(StringComparer.Ordinal);
    private readonly HashSet<ObjectRef> _reported = [];

    public JwksWarmer(GatewayState state, JwksCache cache, IDataPlaneReports conditions, GatewayOptions options, ILogger<JwksWarmer> logger,
        TimeProvider? time = null)
    {
        _state = state;
        _cache = cache;
        _conditions = conditions;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        state.ModelApplied += Warm;
        // A model applied before this existed (published before the host started) is warmed too.
        if (state.AppliedModel is { } model) { Warm(model); }
    }

    /// <summary>Starts loading each JWKS <paramref name="model"/> uses; returns at once.</summary>
    public void Warm(GatewayModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var users = UsersOf(model);
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested) { return; }
            _users = users;
            foreach (var uri in users.Keys.Where(_loading.Add))
            {
                _ = Task.Run(() => LoadAsync(uri));
            }
            // Policies that stopped using a failing URI (deleted, moved to keysSecret or to another URI) lose its condition.
            ReportConditions();
        }
    }

    /// <summary>Every JWKS URI of the model and the policies whose jwt blocks name it; keys from Secrets need no fetch.</summary>
    internal static Dictionary<string, IReadOnlyList<ObjectRef>> UsersOf(GatewayModel model)
    {
        var users = new Dictionary<string, SortedSet<ObjectRef>>(StringComparer.Ordinal);
        foreach (var route in model.Routes)
        {
            if (route.Policies?.Authentication is not { Jwt.JwksUri: { } uri } authentication) { continue; }
            if (!users.TryGetValue(uri, out var policies)) { users[uri] = policies = []; }
            if (ObjectRef.ParsePolicy(authentication.Policy) is { } policy) { policies.Add(policy); }
        }
        return users.ToDictionary(u => u.Key, u => (IReadOnlyList<ObjectRef>)[.. u.Value], StringComparer.Ordinal);
    }

    /// <summary>Loads one URI until it has keys or no applied model uses it any more.</summary>
    private async Task LoadAsync(string uri)
    {
        var stopping = _stopping.Token;
        try
        {
            while (true)
            {
                JwksLoadState state;
                try { state = await _cache.LoadAsync(uri, stopping).ConfigureAwait(false); }
                catch (Exception e) when (e is not OperationCanceledException) { state = new JwksLoadState(false, e.Message); }
                lock (_gate)
                {
                    var used = _users.ContainsKey(uri);
                    if (state.Loaded || !used)
                    {
                        if (_failed.Remove(uri) && state.Loaded) { LogRecovered(_logger, uri); }
                        _loading.Remove(uri);
                        ReportConditions();
                        return;
                    }
                    _failed[uri] = state.Error ?? "no keys loaded yet";
                    ReportConditions();
                }
                await Task.Delay(RetryDelay, _time, stopping).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>The fetch rate limit, but never a busy loop when it is set to zero.</summary>
    private TimeSpan RetryDelay => _options.JwksMinRefreshInterval > MinRetryDelay ? _options.JwksMinRefreshInterval : MinRetryDelay;

    /// <summary>Makes the data plane's conditions match the failing URIs and their current users. Called under _gate.</summary>
    private void ReportConditions()
    {
        var wanted = new Dictionary<ObjectRef, Condition>();
        foreach (var (uri, error) in _failed)
        {
            foreach (var policy in _users.GetValueOrDefault(uri) ?? [])
            {
                wanted[policy] = new Condition
                {
                    Type = ConditionTypes.ResolvedRefs,
                    Status = "False",
                    Reason = DataPlaneReasons.JwksUnavailable,
                    Message = $"spec.authentication.jwt.jwksUri: {uri} could not be loaded ({error}); requests with bearer tokens "
                        + $"get 503 until it loads (retried every {RetryDelay.TotalSeconds:0.##} s)",
                };
            }
        }
        foreach (var policy in _reported.Where(p => !wanted.ContainsKey(p)).ToList())
        {
            _conditions.Clear(policy, ConditionTypes.ResolvedRefs);
            _reported.Remove(policy);
        }
        foreach (var (policy, condition) in wanted)
        {
            _conditions.Set(policy, condition);
            _reported.Add(policy);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _state.ModelApplied -= Warm;
        lock (_gate)
        {
            if (!_stopping.IsCancellationRequested) { _stopping.Cancel(); }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "JWKS {Uri} loaded after failing at first; its policies' ResolvedRefs condition is cleared")]
    private static partial void LogRecovered(ILogger logger, string uri);
}
