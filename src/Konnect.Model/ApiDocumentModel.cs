namespace Konnect.Model;

/// <summary>
/// An API version's OpenAPI document, read by the controller and cut down to what the developer portal shows: its
/// operations with their parameters, request body and answers, each schema as a short outline. Every string is the
/// document's own text, never markup: the portal encodes it.
/// </summary>
public sealed record ApiDocumentModel
{
    /// <summary>A hash of the document's text: equal digests mean the same document (the model's version uses it).</summary>
    public required string Digest { get; init; }

    /// <summary>Where it was read, e.g. "ConfigMap shop/orders-doc key openapi.yaml": a last good document is kept only for the same source.</summary>
    public string? Source { get; init; }
    public string? Title { get; init; }
    public string? Version { get; init; }
    public string? Description { get; init; }
    public required IReadOnlyList<ApiOperationModel> Operations { get; init; }

    /// <summary>Operations left out past the limit; the portal says how many.</summary>
    public int OperationsOmitted { get; init; }
}

public sealed record ApiOperationModel
{
    /// <summary>Upper case: GET, POST, ...</summary>
    public required string Method { get; init; }
    /// <summary>The path template as the document writes it, e.g. /orders/{id}.</summary>
    public required string Path { get; init; }
    public string? OperationId { get; init; }
    public string? Summary { get; init; }
    public string? Description { get; init; }
    public bool Deprecated { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyList<ApiParameterModel> Parameters { get; init; } = [];
    /// <summary>The request body's media type and schema outline; null when the operation takes none.</summary>
    public ApiBodyModel? RequestBody { get; init; }
    public IReadOnlyList<ApiResponseModel> Responses { get; init; } = [];
}

/// <param name="In">path, query, header or cookie.</param>
/// <param name="Schema">A one-line outline of the schema, e.g. "string (uuid)" or "integer, 1..100".</param>
public sealed record ApiParameterModel(string Name, string In, bool Required, string? Schema, string? Description);

/// <param name="Schema">An indented outline of the schema, one property a line; null when the document gives none.</param>
public sealed record ApiBodyModel(string MediaType, bool Required, string? Schema);

public sealed record ApiResponseModel(string Status, string? Description, string? MediaType, string? Schema);
