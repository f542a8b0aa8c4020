namespace Konnect.Gateway.Policies.Transforms;

/// <summary>
/// What the transform steps read of a rule's compiled policies (Policies' RoutePolicies, which the matched route
/// carries). An interface, so that this block depends on none of the others and the aggregate of all blocks can
/// depend on it.
/// </summary>
internal interface ITransformPolicies
{
    TransformRule? RequestTransform { get; }

    TransformRule? ResponseTransform { get; }
}
