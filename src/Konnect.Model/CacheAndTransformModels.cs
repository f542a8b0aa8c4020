namespace Konnect.Model;

/// <summary>A validated cache block.</summary>
public sealed record CacheModel
{
    /// <summary>The policy this block came from.</summary>
    public required string Policy { get; init; }
    public required TimeSpan Ttl { get; init; }
    public required long MaxBodySize { get; init; }
    public bool CacheSetCookie { get; init; }
    /// <summary>Lower-case request header names that are part of the key, sorted.</summary>
    public IReadOnlyList<string> VaryBy { get; init; } = [];
}

/// <summary>A validated requestTransform or responseTransform block (path and query only on requests).</summary>
public sealed record TransformModel
{
    /// <summary>The policy this block came from.</summary>
    public required string Policy { get; init; }
    public IReadOnlyList<HeaderValueModel> SetHeaders { get; init; } = [];
    public IReadOnlyList<HeaderValueModel> AddHeaders { get; init; } = [];
    /// <summary>Lower-case header names.</summary>
    public IReadOnlyList<string> RemoveHeaders { get; init; } = [];
    public string? SetPath { get; init; }
    public string? AddPathPrefix { get; init; }
    public IReadOnlyList<HeaderValueModel> SetQuery { get; init; } = [];
    public IReadOnlyList<string> RemoveQuery { get; init; } = [];
    public JsonBodyModel? JsonBody { get; init; }
}

/// <summary>A header or query parameter and its value.</summary>
public sealed record HeaderValueModel(string Name, string Value);

public sealed record JsonBodyModel
{
    public IReadOnlyList<JsonFieldModel> Set { get; init; } = [];
    /// <summary>Dotted paths.</summary>
    public IReadOnlyList<string> Remove { get; init; } = [];
    public required long MaxSize { get; init; }
}

/// <param name="Path">Dotted path.</param>
/// <param name="Value">The value as compact JSON text.</param>
public sealed record JsonFieldModel(string Path, string Value);
