using System.Net;
using System.Net.Sockets;

namespace Konnect.Testing;

/// <summary>
/// Ports for servers a test starts in another process (konnect, echo, redis-server), which must be named before the
/// server binds. Binding port 0 and releasing it hands out an ephemeral port, and every outgoing connection on the
/// machine draws from that same range (32768-60999 on Linux), so a busy run could take the port before the server
/// binds it. These come from below that range, are checked to be free, and are never handed out twice in a process.
/// </summary>
public static class TestPorts
{
    private const int First = 20000, Last = 32000;
    private static readonly HashSet<int> Given = [];

    public static int Free()
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(First, Last);
                if (Given.Contains(port) || !CanBind(port)) { continue; }
                Given.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"no free port between {First} and {Last}");
    }

    private static bool CanBind(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
