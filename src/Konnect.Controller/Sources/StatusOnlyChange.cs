using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Konnect.Api.GatewayApi;
using Konnect.Api.Json;
using Konnect.Api.Kubernetes;
using Konnect.Api.V1Alpha1;

namespace Konnect.Controller.Sources;

/// <summary>
/// Tells a watch event that changed only a Konnect object's status (and so its resourceVersion) from one that changed
/// what the translator reads. In cluster mode every status the leader writes comes back as such an event; the
/// translator never reads a KonnectRoute's, KonnectPolicy's, KonnectConsumer's, Ingress's, GatewayClass's, Gateway's or
/// HTTPRoute's status (another Gateway API controller's writes on a shared HTTPRoute included), so the source keeps the
/// object it has and the event costs no pass. Other kinds are never judged so (a cert-manager Certificate's status
/// is its readiness, which the translator does read).
/// </summary>
internal static class StatusOnlyChange
{
    public static bool Between(IKubernetesObject? stored, IKubernetesObject next) => (stored, next) switch
    {
        (KonnectRoute a, KonnectRoute b) => Same(a with { Status = null, Metadata = Bare(a.Metadata) }, b with { Status = null, Metadata = Bare(b.Metadata) }, KonnectJsonContext.Default.KonnectRoute),
        (KonnectPolicy a, KonnectPolicy b) => Same(a with { Status = null, Metadata = Bare(a.Metadata) }, b with { Status = null, Metadata = Bare(b.Metadata) }, KonnectJsonContext.Default.KonnectPolicy),
        (KonnectConsumer a, KonnectConsumer b) => Same(a with { Status = null, Metadata = Bare(a.Metadata) }, b with { Status = null, Metadata = Bare(b.Metadata) }, KonnectJsonContext.Default.KonnectConsumer),
        (Ingress a, Ingress b) => Same(a with { Status = null, Metadata = Bare(a.Metadata) }, b with { Status = null, Metadata = Bare(b.Metadata) }, KonnectJsonContext.Default.Ingress),
        (GatewayClass a, GatewayClass b) => Same(a with { Status = null, Metadata = Bare(a.Metadata) }, b with { Status = null, Metadata = Bare(b.Metadata) }, KonnectJsonContext.Default.GatewayClass),
        (Gateway a, Gateway b) => Same(a with { Status = null, Metadata = Bare(a.Metadata) }, b with { Status = null, Metadata = Bare(b.Metadata) }, KonnectJsonContext.Default.Gateway),
        (HttpRoute a, HttpRoute b) => Same(a with { Status = null, Metadata = Bare(a.Metadata) }, b with { Status = null, Metadata = Bare(b.Metadata) }, KonnectJsonContext.Default.HttpRoute),
        (GrpcRoute a, GrpcRoute b) => Same(a with { Status = null, Metadata = Bare(a.Metadata) }, b with { Status = null, Metadata = Bare(b.Metadata) }, KonnectJsonContext.Default.GrpcRoute),
        _ => false,
    };

    // A status write changes the resourceVersion only; generation, spec, labels and annotations are compared with the rest.
    private static ObjectMeta Bare(ObjectMeta metadata) => metadata with { ResourceVersion = null };

    // Serialised, so lists and maps compare by content (records compare them by reference).
    private static bool Same<T>(T a, T b, JsonTypeInfo<T> type) =>
        JsonSerializer.SerializeToUtf8Bytes(a, type).AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(b, type));
}
