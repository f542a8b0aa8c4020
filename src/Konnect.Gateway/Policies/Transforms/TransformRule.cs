using Konnect.Model;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Policies.Transforms;

/// <summary>A rule's requestTransform or responseTransform block, compiled once per applied model.</summary>
internal sealed class TransformRule
{
    private TransformRule(TransformModel model)
    {
        Policy = model.Policy;
        SetHeaders = [.. model.SetHeaders];
        AddHeaders = [.. model.AddHeaders];
        RemoveHeaders = [.. model.RemoveHeaders];
        SetPath = model.SetPath is { } set ? new PathString(set) : (PathString?)null;
        AddPathPrefix = model.AddPathPrefix is { } prefix ? new PathString(prefix) : (PathString?)null;
        SetQuery = [.. model.SetQuery];
        RemoveQuery = [.. model.RemoveQuery];
        JsonBody = model.JsonBody is { } body ? JsonBodyEdit.Compile(body) : null;
    }

    public string Policy { get; }

    public HeaderValueModel[] SetHeaders { get; }

    public HeaderValueModel[] AddHeaders { get; }

    public string[] RemoveHeaders { get; }

    public PathString? SetPath { get; }

    public PathString? AddPathPrefix { get; }

    public HeaderValueModel[] SetQuery { get; }

    public string[] RemoveQuery { get; }

    public JsonBodyEdit? JsonBody { get; }

    /// <summary>Whether the block changes anything YARP's request or response transform applies (all but JSON bodies on requests).</summary>
    public bool HasMessageEdits => SetHeaders.Length > 0 || AddHeaders.Length > 0 || RemoveHeaders.Length > 0
        || SetPath is not null || AddPathPrefix is not null || SetQuery.Length > 0 || RemoveQuery.Length > 0;

    /// <exception cref="FormatException">A value does not parse as JSON; the caller makes the rule answer 503.</exception>
    public static TransformRule Compile(TransformModel model) => new(model);
}
