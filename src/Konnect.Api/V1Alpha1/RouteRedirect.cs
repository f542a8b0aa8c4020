using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Konnect.Api.V1Alpha1;

/// <summary>Gateway API's RequestRedirect filter: the rule answers with a redirect instead of proxying.</summary>
[CelRule("self.statusCode in [301, 302, 303, 307, 308]", "statusCode must be 301, 302, 303, 307 or 308")]
public sealed record RouteRedirect
{
    [Description("The scheme of the Location: http or https. Unset keeps the request's.")]
    [RegularExpression("^(http|https)$")]
    public string? Scheme { get; set; }

    [Description("The host of the Location, e.g. www.example.com. Unset keeps the request's.")]
    [RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"), MaxLength(253)]
    public string? Hostname { get; set; }

    [Description("The port of the Location. Unset: the scheme's own port (left out of the Location) when scheme is set, else the request's.")]
    [Range(1, 65535)]
    public int? Port { get; set; }

    [Description("Changes the path: the whole of it, or the prefix the rule's PathPrefix match matched. Unset keeps the request's path; the query is always kept.")]
    public RedirectPath? Path { get; set; }

    [Description("301, 302 (the default), 303, 307 or 308.")]
    [DefaultValue(302)]
    public int StatusCode { get; set; } = 302;
}

[CelRule("self.value.startsWith('/')", "a redirect path must start with /")]
public sealed record RedirectPath
{
    [Description("ReplaceFullPath replaces the whole path; ReplacePrefixMatch replaces the prefix a PathPrefix match matched.")]
    [Required, RegularExpression("^(ReplaceFullPath|ReplacePrefixMatch)$")]
    public string Type { get; set; } = "";

    [Required, MaxLength(1024)]
    public string Value { get; set; } = "";
}
