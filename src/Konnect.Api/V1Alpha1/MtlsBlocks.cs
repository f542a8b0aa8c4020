using System.ComponentModel;
using System.ComponentModel.DataAnnotations;

namespace Konnect.Api.V1Alpha1;

public sealed record MtlsAuthentication
{
    [Description("A Secret in the policy's namespace whose key ca.crt holds the PEM CA certificate(s) that client certificates must chain to.")]
    [Required, RegularExpression("^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$"), MaxLength(253)]
    public string CaSecret { get; set; } = "";

    [Description("A request header that carries the verified certificate subject to the upstream. Any value the client sent in it is removed.")]
    [RegularExpression(IpAccessPolicy.HeaderNamePattern), MaxLength(64)]
    public string? ForwardHeader { get; set; }
}

/// <summary>Exactly one of subject and san.</summary>
public sealed record MtlsCredential
{
    [Description("The certificate's subject distinguished name, for example \"CN=orders, O=Example\".")]
    [MaxLength(1024)]
    public string? Subject { get; set; }

    [Description("A DNS name or URI in the certificate's subject alternative names, for example spiffe://example.org/orders.")]
    [MaxLength(1024)]
    public string? San { get; set; }
}
