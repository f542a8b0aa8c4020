using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Konnect.Gateway.Hosting;

/// <summary>
/// Connection middleware on the cleartext traffic ports: a connection that opens with the HTTP/2 client preface
/// (RFC 9113 section 3.4, "prior knowledge") goes to the HTTP/2 endpoint through <see cref="H2cHandoff"/>; any other
/// goes on as HTTP/1.1. Bytes are only looked at, never consumed, so the chosen protocol reads them from the start.
/// </summary>
internal static class H2cPrefaceSniffer
{
    /// <summary>How long a new connection may stay silent before its first bytes decide its protocol.</summary>
    private static readonly TimeSpan FirstBytesTimeout = TimeSpan.FromSeconds(30);

    private static ReadOnlySpan<byte> Preface => "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8;

    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(H2cHandoff handoff) => next => async connection =>
    {
        if (await IsHttp2Async(connection))
        {
            await handoff.HandOverAsync(connection);
        }
        else
        {
            await next(connection);
        }
    };

    private static async Task<bool> IsHttp2Async(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(FirstBytesTimeout);
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                // Silent or gone: HTTP/1.1 handling closes it like any idle connection.
                return false;
            }

            var buffer = result.Buffer;
            var verdict = Classify(buffer);
            if (verdict is null && !result.IsCompleted && !result.IsCanceled)
            {
                // A prefix of the preface so far: examined everything, consumed nothing, wait for more.
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }

            // Nothing examined either, so the next reader is woken by the bytes already here.
            input.AdvanceTo(buffer.Start);
            return verdict == true;
        }
    }

    /// <summary>True for the whole preface, false at the first byte that differs, null while it is still a prefix.</summary>
    internal static bool? Classify(ReadOnlySequence<byte> buffer)
    {
        var length = (int)Math.Min(buffer.Length, Preface.Length);
        Span<byte> start = stackalloc byte[24];
        buffer.Slice(0, length).CopyTo(start);
        if (!start[..length].SequenceEqual(Preface[..length]))
        {
            return false;
        }

        return length == Preface.Length ? true : null;
    }
}
