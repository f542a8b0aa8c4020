using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

// The bench's floor: relays each request head, unchanged, over a pooled keep-alive upstream connection and each
// answer back, unchanged. It reads nothing but the blank line that ends a head and the answer's Content-Length, so
// it only serves what wrk sends (body-less GETs) to what the bench backend answers (a Content-Length body). What it
// costs per request is what the .NET runtime's sockets cost, which the Konnect rows can be set against.
// Usage: konnect-bench-floor <listen port> <upstream port>

// As the konnect binary does: socket continuations run on the event thread, so the two compare like with like.
Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
if (args.Length != 2 || !int.TryParse(args[0], out var port) || !int.TryParse(args[1], out var upstreamPort))
{
    Console.Error.WriteLine("usage: konnect-bench-floor <listen port> <upstream port>");
    return 2;
}

var upstream = new IPEndPoint(IPAddress.Loopback, upstreamPort);
var pool = new ConcurrentStack<Socket>();
using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
listener.Listen(512);
while (true)
{
    var client = await listener.AcceptAsync();
    client.NoDelay = true;
    _ = ServeAsync(client);
}

async Task ServeAsync(Socket client)
{
    var request = new byte[8192];
    var answer = new byte[65536];
    var received = 0;
    try
    {
        while (true)
        {
            int headEnd;
            while ((headEnd = request.AsSpan(0, received).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (received == request.Length) { return; }
                var n = await client.ReceiveAsync(request.AsMemory(received));
                if (n == 0) { return; }
                received += n;
            }

            var head = headEnd + 4;
            var total = await ForwardAsync(request.AsMemory(0, head), answer);
            if (total < 0) { return; }
            await client.SendAsync(answer.AsMemory(0, total));
            // A pipelined next request's bytes, if any, move to the front.
            request.AsSpan(head, received - head).CopyTo(request);
            received -= head;
        }
    }
    catch (SocketException)
    {
        // The client or the upstream went away: drop this connection, keep serving the others.
    }
    finally
    {
        client.Dispose();
    }
}

// One exchange on a pooled connection, or on a new one when the pooled one turns out closed (the upstream's idle
// timeout ended it while it waited): the answer's length, or -1 when it cannot be relayed.
async Task<int> ForwardAsync(ReadOnlyMemory<byte> head, byte[] answer)
{
    while (true)
    {
        var pooled = pool.TryPop(out var connection);
        try
        {
            if (!pooled)
            {
                connection = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await connection.ConnectAsync(upstream);
            }
            var (total, reusable) = await ExchangeAsync(connection!, head, answer);
            if (total >= 0 && reusable)
            {
                pool.Push(connection!);
                connection = null;
            }
            if (total >= 0 || !pooled) { return total; }
        }
        catch (SocketException) when (pooled)
        {
            // Stale: try again, on another pooled connection or a new one.
        }
        finally
        {
            connection?.Dispose();
        }
    }
}

// Sends the head and receives one Content-Length answer into `answer`: its length (-1 when it cannot be relayed) and
// whether the connection may carry another (nginx closes one after keepalive_requests, saying "Connection: close").
static async Task<(int Length, bool Reusable)> ExchangeAsync(Socket connection, ReadOnlyMemory<byte> head, byte[] answer)
{
    await connection.SendAsync(head);
    var received = 0;
    int headEnd;
    while ((headEnd = answer.AsSpan(0, received).IndexOf("\r\n\r\n"u8)) < 0)
    {
        var n = received < answer.Length ? await connection.ReceiveAsync(answer.AsMemory(received)) : 0;
        if (n == 0) { return (-1, false); }
        received += n;
    }
    var fields = answer.AsSpan(0, headEnd);
    var at = fields.IndexOf("Content-Length: "u8);
    if (at < 0 || !Utf8Parser.TryParse(fields[(at + 16)..], out int length, out _) || headEnd + 4 + length > answer.Length) { return (-1, false); }
    var total = headEnd + 4 + length;
    var reusable = fields.IndexOf("Connection: close"u8) < 0;
    while (received < total)
    {
        var n = await connection.ReceiveAsync(answer.AsMemory(received));
        if (n == 0) { return (-1, false); }
        received += n;
    }
    return (total, reusable);
}
