using Konnect.Api.GatewayApi;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;
using Konnect.Controller.Store;
using Konnect.Model;

namespace Konnect.Controller.Translation.GatewayApi;

/// <summary>
/// An HTTPRoute rule's filters as what Konnect already does: RequestHeaderModifier and ResponseHeaderModifier (and
/// URLRewrite's full path and hostname) become an inline policy of request and response transforms, compiled and
/// checked like a KonnectPolicy; URLRewrite's ReplacePrefixMatch is the rule's rewrite.pathPrefix; RequestMirror filters its
/// mirrors; RequestRedirect its redirect; an ExtensionRef to a KonnectPolicy adds that policy to the rule.
/// </summary>
internal static class Filters
{
    public sealed record Result(KeyValuePair<ObjectRef, KonnectPolicy>? Policy, string? Unsupported);

    /// <summary>The name of the inline policy of a rule: ':' is in no object name, so it never meets a KonnectPolicy's.</summary>
    public static ObjectRef InlinePolicy(ObjectRef route, int rule) => new(KonnectPolicy.KindName, route.Namespace, $"{ModelNames.Of(route)}:{rule}");

    public static Result Apply(ObjectRef key, int index, List<HttpRouteFilter> filters, RouteRule rule, ResourceSnapshot snapshot, List<RouteProblem> problems)
    {
        var at = $"spec.rules[{index}].filters";
        RequestTransformPolicy? request = null;
        ResponseTransformPolicy? response = null;
        var policies = new List<string>();
        string? unsupported = null;
        for (var f = 0; f < filters.Count; f++)
        {
            var filter = filters[f];
            switch (filter.Type)
            {
                case "RequestHeaderModifier" when filter.RequestHeaderModifier is { } headers:
                    request = (request ?? new()) with { Headers = Merge(request?.Headers, headers) };
                    break;
                case "ResponseHeaderModifier" when filter.ResponseHeaderModifier is { } headers:
                    response = (response ?? new()) with { Headers = Merge(response?.Headers, headers) };
                    break;
                case "URLRewrite" when filter.UrlRewrite is { } rewrite:
                    if (rewrite.Path is { Type: "ReplacePrefixMatch" } prefix) { rule.Rewrite = new RouteRewrite { PathPrefix = prefix.ReplacePrefixMatch ?? "/" }; }
                    else if (rewrite.Path is { Type: "ReplaceFullPath" } full) { request = (request ?? new()) with { Path = new PathTransform { Set = full.ReplaceFullPath ?? "/" } }; }
                    if (rewrite.Hostname is { Length: > 0 } hostname)
                    {
                        var headers = request?.Headers ?? new HeaderTransform();
                        request = (request ?? new()) with { Headers = headers with { Set = [.. headers.Set ?? [], new HeaderEntry { Name = "Host", Value = hostname }] } };
                    }
                    break;
                case "RequestMirror" when filter.RequestMirror is { } mirror:
                    if (rule.Mirrors is { Count: >= MaxMirrors }) { unsupported ??= $"{at}[{f}]: Konnect sends at most {MaxMirrors} mirrors per rule"; break; }
                    if (MirrorPercent(mirror) is not { } percent) { unsupported ??= $"{at}[{f}].requestMirror.fraction: numerator must be within 0..denominator, denominator above 0"; break; }
                    if (HttpRouteTranslator.Backend(key, mirror.BackendRef, $"{at}[{f}].requestMirror.backendRef", snapshot, problems) is { } backend)
                    {
                        (rule.Mirrors ??= []).Add(new RouteMirror { Backend = backend, Percent = percent });
                    }
                    break;
                case "RequestRedirect" when filter.RequestRedirect is { } redirect:
                    rule.Redirect = new RouteRedirect
                    {
                        Scheme = redirect.Scheme,
                        Hostname = redirect.Hostname,
                        Port = redirect.Port,
                        Path = redirect.Path is { } path
                            ? new RedirectPath { Type = path.Type, Value = (path.Type == "ReplaceFullPath" ? path.ReplaceFullPath : path.ReplacePrefixMatch) ?? "/" }
                            : null,
                        StatusCode = redirect.StatusCode ?? 302,
                    };
                    break;
                case "ExtensionRef" when filter.ExtensionRef is { Group: "konnect.dev", Kind: KonnectPolicy.KindName } extension:
                    policies.Add(extension.Name);
                    break;
                default:
                    unsupported ??= $"{at}[{f}]: {SafeText.Quote(filter.Type)} is not supported by Konnect (see docs/guides/gateway-api.md)";
                    break;
            }
        }
        KeyValuePair<ObjectRef, KonnectPolicy>? inline = null;
        if (request is not null || response is not null)
        {
            var name = InlinePolicy(key, index);
            inline = new(name, new KonnectPolicy
            {
                Metadata = new ObjectMeta { Name = name.Name, Namespace = name.Namespace },
                Spec = new KonnectPolicySpec { RequestTransform = request, ResponseTransform = response },
            });
            policies.Insert(0, name.Name);
        }
        if (policies.Count > 0) { rule.Policies = policies; }
        return new Result(inline, unsupported);
    }

    /// <summary>As KonnectRoute rules[].mirrors allows.</summary>
    private const int MaxMirrors = 8;

    /// <summary>percent, or fraction as a whole percent (rounded down: Konnect samples by the percent), else 100.</summary>
    private static int? MirrorPercent(HttpRequestMirrorFilter mirror) => mirror.Fraction is { } fraction
        ? fraction.Denominator is not (null or > 0) || fraction.Numerator < 0 || fraction.Numerator > (fraction.Denominator ?? 100) ? null
            : (int)((long)fraction.Numerator * 100 / (fraction.Denominator ?? 100))
        : mirror.Percent ?? 100;

    private static HeaderTransform Merge(HeaderTransform? earlier, HttpHeaderFilter filter) => new()
    {
        Set = [.. earlier?.Set ?? [], .. (filter.Set ?? []).Select(h => new HeaderEntry { Name = h.Name, Value = h.Value })],
        Add = [.. earlier?.Add ?? [], .. (filter.Add ?? []).Select(h => new HeaderEntry { Name = h.Name, Value = h.Value })],
        Remove = [.. earlier?.Remove ?? [], .. filter.Remove ?? []],
    };
}
