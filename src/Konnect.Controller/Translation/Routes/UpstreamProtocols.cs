using Konnect.Api.Kubernetes;
using Konnect.Model;

namespace Konnect.Controller.Translation.Routes;

/// <summary>
/// Which protocol an upstream speaks: a backend's own appProtocol first, else what its Service port says, the way
/// Kubernetes (appProtocol kubernetes.io/h2c) and service meshes (port names grpc, http2, grpc-web...) spell it.
/// </summary>
internal static class UpstreamProtocols
{
    /// <summary>The backend's appProtocol value, or null when it is not one Konnect knows.</summary>
    public static UpstreamProtocol? FromBackend(string appProtocol) => appProtocol switch
    {
        "http" => UpstreamProtocol.Http1,
        "h2c" or "grpc" => UpstreamProtocol.H2c,
        _ => null,
    };

    /// <summary>HTTP/2 when the port's appProtocol or name says so; HTTP/1.1 otherwise.</summary>
    public static UpstreamProtocol FromServicePort(ServicePort port)
    {
        if (port.AppProtocol is { Length: > 0 } appProtocol)
        {
            return appProtocol.ToLowerInvariant() is "kubernetes.io/h2c" or "h2c" or "grpc" or "http2"
                ? UpstreamProtocol.H2c
                : UpstreamProtocol.Http1;
        }

        var name = port.Name?.ToLowerInvariant() ?? "";
        var prefix = name.Split('-', 2)[0];
        // grpc-web runs over HTTP/1.1; it is the one "grpc-" name that is not HTTP/2.
        return prefix is "grpc" or "h2c" or "http2" && name != "grpc-web" ? UpstreamProtocol.H2c : UpstreamProtocol.Http1;
    }

    /// <summary>The model's spelling: null for HTTP/1.1, so models without HTTP/2 upstreams read as before.</summary>
    public static UpstreamProtocol? ForModel(UpstreamProtocol protocol) => protocol == UpstreamProtocol.Http1 ? null : protocol;
}
