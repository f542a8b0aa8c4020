using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;

namespace Konnect.Api.V1Alpha1;

/// <summary>Changes to the request on its way upstream, applied after the gateway's own rewrite.pathPrefix.</summary>
public sealed record RequestTransformPolicy
{
    [Description("Request headers to set, add and remove. The identity headers x-konnect-consumer* are the gateway's and cannot be touched.")]
    public HeaderTransform? Headers { get; set; }

    [Description("Path changes: set replaces the whole path, addPrefix puts a prefix in front of it.")]
    public PathTransform? Path { get; set; }

    [Description("Query parameters to set and remove.")]
    public QueryTransform? Query { get; set; }

    [Description("Edits to a JSON request body (Content-Type application/json or +json). Other bodies pass unchanged.")]
    public JsonBodyTransform? JsonBody { get; set; }
}

/// <summary>Changes to the upstream's answer on its way back to the client.</summary>
public sealed record ResponseTransformPolicy
{
    [Description("Response headers to set, add and remove.")]
    public HeaderTransform? Headers { get; set; }

    [Description("Edits to a JSON response body (Content-Type application/json or +json). Other bodies pass unchanged.")]
    public JsonBodyTransform? JsonBody { get; set; }
}

public sealed record HeaderTransform
{
    [Description("Headers set to this value, replacing any the message has.")]
    [MaxLength(32)]
    public List<HeaderEntry>? Set { get; set; }

    [Description("Headers added, keeping the values the message already has.")]
    [MaxLength(32)]
    public List<HeaderEntry>? Add { get; set; }

    [Description("Names of headers removed.")]
    [MaxLength(32), RegularExpression(IpAccessPolicy.HeaderNamePattern)]
    public List<string>? Remove { get; set; }
}

public sealed record HeaderEntry
{
    [Description("Header name (case-insensitive).")]
    [Required, RegularExpression(IpAccessPolicy.HeaderNamePattern), MaxLength(128)]
    public string Name { get; set; } = "";

    [Description("Header value.")]
    [Required, MaxLength(4096)]
    public string Value { get; set; } = "";
}

public sealed record PathTransform
{
    public const string PathPattern = "^/[^?#\\s]*$";

    [Description("The path sent upstream, e.g. /v2/status. Takes precedence over addPrefix.")]
    [RegularExpression(PathPattern), MaxLength(1024)]
    public string? Set { get; set; }

    [Description("A prefix put in front of the path, e.g. /internal (no trailing slash).")]
    [RegularExpression(PathPattern), MaxLength(1024)]
    public string? AddPrefix { get; set; }
}

public sealed record QueryTransform
{
    [Description("Query parameters set to this value, replacing any the request has.")]
    [MaxLength(32)]
    public List<QueryParameter>? Set { get; set; }

    [Description("Names of query parameters removed.")]
    [MaxLength(32)]
    public List<string>? Remove { get; set; }
}

public sealed record QueryParameter
{
    [Required, MinLength(1), MaxLength(256)]
    public string Name { get; set; } = "";

    [Required, MaxLength(4096)]
    public string Value { get; set; } = "";
}

/// <summary>
/// JSON body edits by dotted path ("a.b", "items.0.name": a number indexes an array). Bodies larger than maxSize,
/// not JSON by Content-Type, compressed, or that do not parse pass unchanged with a log line.
/// </summary>
public sealed record JsonBodyTransform
{
    public const string FieldPathPattern = "^[^.\\s]+(\\.[^.\\s]+)*$";

    [Description("Fields set to a JSON value; missing objects on the way are created.")]
    [MaxLength(32)]
    public List<JsonFieldValue>? Set { get; set; }

    [Description("Dotted paths of fields removed; a path that is not there is ignored.")]
    [MaxLength(32), RegularExpression(FieldPathPattern)]
    public List<string>? Remove { get; set; }

    [Description("Largest body edited, e.g. 256Ki or 1Mi (the default); larger bodies pass unchanged.")]
    [DefaultValue("1Mi"), RegularExpression(ByteSize.Pattern)]
    public string? MaxSize { get; set; }
}

public sealed record JsonFieldValue
{
    [Description("Dotted path of the field, e.g. meta.source or items.0.price.")]
    [Required, RegularExpression(JsonBodyTransform.FieldPathPattern), MaxLength(256)]
    public string Path { get; set; } = "";

    [Description("Any JSON value: string, number, boolean, null, object or list.")]
    [PreserveUnknownFields]
    public JsonNode? Value { get; set; }
}
