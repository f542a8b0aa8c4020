namespace Konnect.Kubernetes;

/// <summary>
/// Reads every answer but a watch's into memory before KubernetesClient sees it. The library decodes an answer with a
/// synchronous read of the response stream, in a continuation that can run on the socket engine's own event thread;
/// when the body is larger than what arrived with the headers (a page of 500 objects, a few hundred KiB), that
/// thread then blocks waiting for bytes only it could deliver, and every socket of the process stalls (seen at 10,000
/// routes: list calls, Lease renewals and /readyz all hung). Buffered here, asynchronously, the library's read never
/// waits on the network. Watches stream line by line (asynchronously) and are left alone.
/// </summary>
internal sealed class ResponseBuffering : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!IsWatch(request.RequestUri))
        {
            try
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
        return response;
    }

    private static bool IsWatch(Uri? uri) =>
        uri?.Query is { Length: > 0 } query && (query.Contains("watch=true", StringComparison.Ordinal) || query.Contains("watch=1", StringComparison.Ordinal));
}
