using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Konnect.Api.Kubernetes;

namespace Konnect.Api.V1Alpha1;

[Description("KonnectConsumer is who calls: its groups, its credentials and the routes it asks to use.")]
[CustomResource("KonnectConsumer", "konnectconsumers", ShortNames = ["kc"], Categories = ["konnect"])]
[PrinterColumn("Groups", "string", ".spec.groups")]
[PrinterColumn("Accepted", "string", ".status.conditions[?(@.type==\"Accepted\")].status")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed record KonnectConsumer : IKubernetesObject
{
    public const string KindName = "KonnectConsumer";
    public string ApiVersion { get; set; } = KonnectGroup.ApiVersion;
    public string Kind { get; set; } = KindName;
    public ObjectMeta Metadata { get; set; } = new();
    public KonnectConsumerSpec Spec { get; set; } = new();
    public KonnectStatus? Status { get; set; }
}

public sealed record KonnectConsumerSpec
{
    [Description("Consumer groups, which policies can allow as a whole.")]
    [MaxLength(32)]
    [RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    public List<string>? Groups { get; set; }

    [Description("Credentials referenced from Secrets in the consumer's namespace: apiKeys, basic, a jwt identity and an mtls identity.")]
    public ConsumerCredentials? Credentials { get; set; }

    [Description("Routes this consumer asks to call; the route's owner approves them in a KonnectPolicy.")]
    [MaxLength(64)]
    public List<Subscription>? Subscriptions { get; set; }
}

public sealed record Subscription
{
    [Description("The route as namespace/name.")]
    [Required, RegularExpression("^[a-z0-9]([-a-z0-9]*[a-z0-9])?/[a-z0-9]([-.a-z0-9]*[a-z0-9])?$")]
    public string Route { get; set; } = "";
}
