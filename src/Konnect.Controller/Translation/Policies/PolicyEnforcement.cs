using Konnect.Model;

namespace Konnect.Controller.Translation.Policies;

/// <summary>
/// What the rules that name one policy get: its blocks (compiled now, or the last good ones while it is broken) and
/// the problem to report on those rules. Null <see cref="Blocks"/> means the rules answer 503.
/// </summary>
internal sealed record PolicyEnforcement(PoliciesModel? Blocks, RouteProblem? Problem);

/// <summary>One policy's translation: its status, what its rules enforce, and its entry for the next pass's last-good map.</summary>
internal sealed record PolicyOutcome(ObjectStatus Status, PolicyEnforcement Enforcement, LastGoodPolicy? LastGood);
