namespace Konnect.Controller.Translation;

/// <summary>
/// A reason a route (or a rule of it) is not accepted: the condition reason and a message naming the field. Shared by
/// every translation step that can refuse part of a route (routes, policies, TLS), so it sits with the reasons.
/// </summary>
internal sealed record RouteProblem(string Reason, string Message);
