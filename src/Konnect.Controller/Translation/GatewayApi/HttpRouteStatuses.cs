using Konnect.Api.Kubernetes;
using Konnect.Model;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// An HTTPRoute's status is its parents' (Gateway API), not a KonnectRoute's conditions: the compiled route's
/// ResolvedRefs (a Service or port not found, an inline policy refused) joins each accepted parent's, so the
/// route's owner sees every reason in the place the specification puts it.
/// </summary>
internal static class HttpRouteStatuses
{
    public static ObjectStatus Complete(ObjectStatus template, ObjectStatus? compiled)
    {
        // Refused whole by the route checks (an invalid regular expression, say): every parent that accepted it says why.
        if (compiled?.Conditions.FirstOrDefault(c => c.Type == ConditionTypes.Accepted) is { Status: "False" } refused)
        {
            return template with
            {
                Parents = [.. template.Parents!.Select(parent => parent with
                {
                    Conditions = [.. parent.Conditions.Select(c => c.Type == ConditionTypes.Accepted && c.Status == "True"
                        ? Conditions.False(ConditionTypes.Accepted, "UnsupportedValue", refused.Message, template.Generation) : c)],
                })],
            };
        }
        if (compiled?.Conditions.FirstOrDefault(c => c.Type == ConditionTypes.ResolvedRefs) is not { Status: "False" } problem) { return template; }
        return template with
        {
            Parents = [.. template.Parents!.Select(parent =>
            {
                var accepted = parent.Conditions.Any(c => c.Type == ConditionTypes.Accepted && c.Status == "True");
                var resolved = parent.Conditions.First(c => c.Type == ConditionTypes.ResolvedRefs);
                if (!accepted) { return parent; }
                var merged = resolved.Status == "False"
                    ? resolved with { Message = $"{resolved.Message}; {problem.Message}" }
                    : Conditions.False(ConditionTypes.ResolvedRefs, problem.Reason, problem.Message, template.Generation);
                return parent with { Conditions = [.. parent.Conditions.Select(c => c.Type == ConditionTypes.ResolvedRefs ? merged : c)] };
            })],
        };
    }
}
