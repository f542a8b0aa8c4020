using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Konnect.Api.V1Alpha1;

/// <summary>Gateway API's RequestMirror filter: fire-and-forget copies of a rule's requests to a second backend.</summary>
public sealed record RouteMirror
{
    [Description("Where the copies go: a Service and port or a url, as for the rule's backends (weight is ignored).")]
    [Required]
    public RouteBackend Backend { get; set; } = new();

    [Description("Share of the rule's requests (that reach the upstream) to copy, 0 to 100.")]
    [DefaultValue(100), Range(0, 100)]
    public int Percent { get; set; } = 100;
}
