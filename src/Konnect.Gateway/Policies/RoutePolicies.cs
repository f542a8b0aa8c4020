using Konnect.Controller.Model;
using Konnect.Gateway.Policies.Cors;
using Konnect.Gateway.Policies.IpAccess;

namespace Konnect.Gateway.Policies;

/// <summary>A rule's enforced policy blocks, compiled once per applied model and shared by all its requests.</summary>
internal sealed class RoutePolicies
{
    private RoutePolicies(IpAccessRule? ipAccess, CorsRule? cors)
    {
        IpAccess = ipAccess;
        Cors = cors;
    }

    public IpAccessRule? IpAccess { get; }

    public CorsRule? Cors { get; }

    /// <exception cref="FormatException">A block does not compile; the caller makes the rule answer 503.</exception>
    public static RoutePolicies? Compile(PoliciesModel? model) => model is null || (model.IpAccess is null && model.Cors is null)
        ? null
        : new RoutePolicies(
            model.IpAccess is { } ip ? IpAccessRule.Compile(ip) : null,
            model.Cors is { } cors ? CorsRule.Compile(cors) : null);
}
