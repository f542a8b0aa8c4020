using Konnect.Model;

namespace Konnect.Controller.Translation;

/// <summary>
/// The blocks a KonnectPolicy last compiled to, and the generation they came from. The translator takes the previous
/// pass's map as input so that a policy which becomes invalid (or whose keysSecret breaks) keeps its routes enforcing
/// these blocks instead of failing them: a typo in a policy must not take an API down, and must never open it either.
/// Not kept across restarts, and a deleted policy drops out of the map.
/// </summary>
public sealed record LastGoodPolicy(PoliciesModel Blocks, long? Generation)
{
    /// <summary>Words for status messages: "generation 3, the last accepted one", or in folder mode (no generations) "the last accepted version".</summary>
    public string Describe() => Generation is { } g ? $"generation {g}, the last accepted one" : "the last accepted version";
}
