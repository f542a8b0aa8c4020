using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Konnect.Api.Kubernetes;

namespace Konnect.Api.V1Alpha1;

/// <summary>
/// Gateway API policy attachment's status entry (PolicyAncestorStatus): one Gateway the policy takes effect through,
/// the controller that says so, and its Accepted condition.
/// </summary>
public sealed record PolicyAncestorStatus
{
    [Description("The Gateway: the one targeted, or one a targeted route is attached to.")]
    [Required]
    public PolicyAncestorRef AncestorRef { get; set; } = new();

    [Description("The controller that wrote this entry: konnect.dev/gateway-controller.")]
    [Required, MaxLength(253)]
    public string ControllerName { get; set; } = "";

    [Description("Accepted: True, or False with Invalid when the policy itself is not valid.")]
    [Required, MinLength(1), MaxLength(8)]
    public List<Condition> Conditions { get; set; } = [];
}

/// <summary>The ancestor an entry is about, as a Gateway API ParentReference names it.</summary>
public sealed record PolicyAncestorRef
{
    [MaxLength(253)]
    public string Group { get; set; } = "";

    [MaxLength(63)]
    public string Kind { get; set; } = "";

    [MaxLength(63)]
    public string? Namespace { get; set; }

    [Required, MaxLength(253)]
    public string Name { get; set; } = "";
}
