using System.Diagnostics;
using Konnect.Model;
using Konnect.Gateway.Configuration;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Configuration;
using YarpRouteModel = Yarp.ReverseProxy.Model.RouteModel;

namespace Konnect.Gateway.Management;

/// <summary>
/// Applies gateway models to the in-process data plane: each rule's YARP route and cluster through
/// <see cref="YarpRuntime"/> (only the rules that changed are touched), then Konnect's route table, swapped in one
/// step. Requests in flight keep the endpoint, route model and cluster they were routed to.
/// </summary>
public sealed partial class GatewayConfigPublisher : IConfigPublisher
{
    private readonly YarpRuntime _runtime;
    private readonly IConfigValidator _validator;
    private readonly GatewayState _state;
    private readonly CurrentRouteTable _routes;
    private readonly ILogger<GatewayConfigPublisher> _logger;
    private readonly SemaphoreSlim _publishing = new(1, 1);
    // Guards the pair (last compiled model, YARP's pipeline) so a late attach and a publish cannot interleave.
    private readonly Lock _binding = new();
    private RegexCache _regexes = new();
    private IReadOnlyList<ConsumerModel>? _consumerModels;
    private ConsumerIndex _consumers = ConsumerIndex.Empty;
    private CompiledModel? _lastCompiled;
    // The compiled model the route table serving now was bound from, so the next bind can patch that table.
    private CompiledModel? _lastBound;
    private IReadOnlyDictionary<string, string> _lastRejected = new Dictionary<string, string>();

    internal GatewayConfigPublisher(
        YarpRuntime runtime,
        IConfigValidator validator,
        GatewayState state,
        CurrentRouteTable routes,
        ILogger<GatewayConfigPublisher> logger)
    {
        _runtime = runtime;
        _validator = validator;
        _state = state;
        _routes = routes;
        _logger = logger;
    }

    public async ValueTask<PublishResult> PublishAsync(GatewayModel model, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(model);
        await _publishing.WaitAsync(cancellationToken);
        try
        {
            if (_lastCompiled?.Model.Version == model.Version)
            {
                ModelUnchanged(_logger, model.Version);
                return PublishResult.Unchanged;
            }

            var started = Stopwatch.GetTimestamp();
            var regexes = _regexes.NextGeneration();
            var compiled = CompiledModel.Compile(model, regexes, _lastCompiled, ConsumersOf(model));
            var rejected = new Dictionary<string, string>(compiled.Invalid, StringComparer.Ordinal);
            var configs = await BuildValidConfigAsync(compiled, rejected);

            var notProgrammed = new List<string>();

            lock (_binding)
            {
                foreach (var (id, reason) in _runtime.Apply(configs)) { rejected[id] = reason; }
                _lastCompiled = compiled;
                _lastRejected = new Dictionary<string, string>(rejected, StringComparer.Ordinal);
                Bind(notProgrammed);
            }

            foreach (var id in notProgrammed)
            {
                rejected[id] = $"Route '{id}' got no proxy endpoint after the configuration was applied.";
            }

            foreach (var (id, reason) in rejected)
            {
                RouteRejected(_logger, id, reason);
            }

            _regexes = regexes;
            ModelApplied(_logger, model.Version, model.Routes.Count, rejected.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return new PublishResult(true, rejected);
        }
        finally
        {
            _publishing.Release();
        }
    }

    /// <summary>
    /// Hands over YARP's proxy pipeline (the anchor route's endpoint) once the application's pipeline exists. A model
    /// published before that (at startup) is bound now, so it does not wait for the next publish to get its endpoints.
    /// </summary>
    internal void AttachPipeline(EndpointDataSource yarpEndpoints)
    {
        var anchor = yarpEndpoints.Endpoints.Single(e => e.Metadata.GetMetadata<YarpRouteModel>()?.Config.RouteId == YarpRuntime.AnchorId);
        lock (_binding)
        {
            _runtime.SetPipeline(anchor.RequestDelegate!);
            if (_lastCompiled is not null)
            {
                Bind(notProgrammed: null);
            }
        }
    }

    private void Bind(List<string>? notProgrammed)
    {
        // Before the pipeline exists there are no endpoints to miss; only report them once there should be.
        var table = _lastCompiled!.Bind(_runtime.EndpointOf, _lastRejected, _runtime.HasPipeline ? notProgrammed : null, _lastBound);
        _lastBound = _lastCompiled;
        _state.Swap(_lastCompiled.Model, () => _routes.Set(table));
    }

    /// <summary>
    /// YARP refuses a whole snapshot when one route or cluster is invalid; validating each one first lets us drop
    /// just that rule (it answers 503) and keep every other rule serving.
    /// </summary>
    private async Task<List<(RouteConfig, ClusterConfig)>> BuildValidConfigAsync(CompiledModel compiled, Dictionary<string, string> rejected)
    {
        var model = compiled.Model;
        var configs = new List<(RouteConfig, ClusterConfig)>(model.Routes.Count);
        // Only a model with two ids that differ at most in case needs the set (the compiled model knows, per set of ids).
        var seen = compiled.HasCaseInsensitiveDuplicateIds ? new HashSet<string>(StringComparer.OrdinalIgnoreCase) : null;
        for (var r = 0; r < model.Routes.Count; r++)
        {
            var route = model.Routes[r];
            var rule = compiled.Rules[r];
            if (rejected.ContainsKey(route.Id))
            {
                continue;
            }

            // A kept rule keeps its YARP config and verdict: validation is most of the per-rule cost of a publish.
            if (!rule.YarpBuilt)
            {
                var built = YarpConfigBuilder.Build(route);
                string? rejection = null;
                if (built is { } candidate)
                {
                    var errors = (await _validator.ValidateRouteAsync(candidate.Route)).Concat(await _validator.ValidateClusterAsync(candidate.Cluster)).ToList();
                    rejection = errors.Count > 0 ? string.Join(" ", errors.Select(e => e.Message)) : null;
                }

                rule.SetYarp(built, rejection);
            }

            if (rule.Yarp is not { } config)
            {
                continue;
            }

            if (seen?.Add(route.Id) == false)
            {
                rejected[route.Id] = $"Route id '{route.Id}' appears more than once (ids are compared case-insensitively).";
                continue;
            }

            if (rule.YarpRejection is { } reason)
            {
                rejected[route.Id] = reason;
                continue;
            }

            configs.Add(config);
        }

        return configs;
    }

    /// <summary>The consumer index for <paramref name="model"/>: the last one while the consumers are the same.</summary>
    private ConsumerIndex ConsumersOf(GatewayModel model)
    {
        if (model.Consumers.Count == 0)
        {
            return ConsumerIndex.Empty;
        }

        if (_consumerModels is not { } last || !(ReferenceEquals(last, model.Consumers) || last.SequenceEqual(model.Consumers)))
        {
            _consumerModels = model.Consumers;
            _consumers = new ConsumerIndex(model.Consumers);
        }

        return _consumers;
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Applied model {Version}: {Routes} rules, {Rejected} rejected, in {ElapsedMs:F1} ms")]
    private static partial void ModelApplied(ILogger logger, string version, int routes, int rejected, double elapsedMs);

    [LoggerMessage(EventId = 101, Level = LogLevel.Debug, Message = "Model {Version} is already applied")]
    private static partial void ModelUnchanged(ILogger logger, string version);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Rule {RouteId} rejected by the data plane: {Reason}")]
    private static partial void RouteRejected(ILogger logger, string routeId, string reason);
}
