using Konnect.Model;

namespace Konnect.Gateway.Tests.Infrastructure;

/// <summary>Builds model values the way the translator would, with short defaults for tests.</summary>
internal static class Routes
{
    public static RouteModel Route(string name, string endpoint, params MatchModel[] matches) => new()
    {
        Id = $"test/{name}/0",
        Namespace = "test",
        Route = name,
        RuleIndex = 0,
        Hosts = [],
        Matches = matches.Length > 0 ? matches : [Prefix("/")],
        Backends = [new BackendModel { Name = name, Weight = 1, Endpoints = [endpoint] }],
    };

    public static MatchModel Prefix(string path, int rank = 0) => new() { Rank = rank, PathKind = PathKind.PathPrefix, Path = path };

    public static MatchModel Exact(string path, int rank = 0) => new() { Rank = rank, PathKind = PathKind.Exact, Path = path };

    public static MatchModel Regex(string pattern, int rank = 0) => new() { Rank = rank, PathKind = PathKind.RegularExpression, Path = pattern };
}
