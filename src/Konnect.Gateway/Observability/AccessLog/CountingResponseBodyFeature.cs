using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Konnect.Gateway.Observability.AccessLog;

/// <summary>
/// Counts the response body through <see cref="ByteCountingStream"/> while every other operation goes to the server's
/// own feature. Assigning HttpResponse.Body instead swaps in a generic feature whose CompleteAsync only flushes, so the
/// response is not ended when YARP ends it: a gRPC trailers-only answer (grpc-status in the one HEADERS frame) then
/// reached clients as a reset stream.
/// </summary>
internal sealed class CountingResponseBodyFeature(IHttpResponseBodyFeature inner, ByteCountingStream counter) : IHttpResponseBodyFeature
{
    public Stream Stream => counter;

    // Writes through the PipeWriter are not counted: YARP and the problem writer both use the stream.
    public PipeWriter Writer => inner.Writer;

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
        inner.SendFileAsync(path, offset, count, cancellationToken);

    public Task CompleteAsync() => inner.CompleteAsync();
}
