using System.Net;
using System.Net.WebSockets;
using System.Text;
using Konnect.Testing;
using static Konnect.Functional.Tests.GatewayApi.ConformanceHarness;

namespace Konnect.Functional.Tests.GatewayApi;

/// <summary>
/// The conformance scenarios for a Service port's appProtocol: kubernetes.io/h2c (HTTP/2 with prior knowledge to the
/// backend) and kubernetes.io/ws (WebSockets), each to infra-backend-v1's port the suite gives that protocol.
/// </summary>
[Collection(nameof(ConformanceCollection))]
public sealed class HttpRouteBackendProtocolTests(ConformanceHarness h)
{
    private static string Route(string name, int port) => $$"""
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: { name: {{name}}, namespace: {{Infra}} }
        spec:
          parentRefs: [{ name: same-namespace }]
          rules: [{ backendRefs: [{ name: infra-backend-v1, port: {{port}} }] }]
        """;

    private async Task ExpectAccepted(string route)
    {
        await Repo.EventuallyAsync(async () =>
            (await h.ParentConditionAsync(Infra, route, "same-namespace", "Accepted"))["status"]!.GetValue<string>() == "True"
            && (await h.ParentConditionAsync(Infra, route, "same-namespace", "ResolvedRefs"))["status"]!.GetValue<string>() == "True",
            $"HTTPRoute {route} Accepted and ResolvedRefs");
    }

    [Fact]
    public async Task HTTPRouteBackendProtocolH2C()
    {
        await h.ScenarioAsync(Route("backend-protocol-h2c", 8081), "backend-protocol-h2c");
        await ExpectAccepted("backend-protocol-h2c");

        // The suite's client speaks HTTP/2 with prior knowledge to the gateway; the upgrade from HTTP/1.1 is deprecated
        // (RFC 9113, section 3.1) and not tested.
        var answer = await h.ExpectAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{h.Traffic}/")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            return await h.SendAsync(request);
        }, a => a.Status == 200 && a.Backend == "infra-backend-v1", "h2c to infra-backend-v1");
        Assert.Equal(HttpVersion.Version20, answer.Version);
        // The backend on second-port speaks HTTP/2 only: a 200 from it says Konnect used h2c, and it says so itself.
        Assert.Equal("HTTP/2", answer.BackendProtocol);
    }

    [Fact]
    public async Task HTTPRouteBackendProtocolWebSocket()
    {
        await h.ScenarioAsync(Route("backend-protocol-ws", 8082), "backend-protocol-ws");
        await ExpectAccepted("backend-protocol-ws");

        // The suite's "eventually": the whole exchange succeeds once, then three more times in a row.
        string? failure = null;
        try
        {
            await Repo.EventuallyAsync(async () => (failure = await ExchangeAsync()) is null, "a WebSocket exchange through Konnect", seconds: 15);
        }
        catch (TimeoutException e)
        {
            throw new Xunit.Sdk.XunitException($"no WebSocket exchange through Konnect: the last try failed with {failure}", e);
        }
        for (var i = 0; i < 3; i++) { Assert.Null(await ExchangeAsync()); }
    }

    /// <summary>One connection, one text and one binary message echoed: null when all went as the suite expects, else why not.</summary>
    private async Task<string?> ExchangeAsync()
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", "ws://gateway/HTTPRouteBackendProtocolWebSocket");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{h.Traffic}/ws"), timeout.Token);
            const string Text = "Websocket Support!";
            var text = await RoundTripAsync(socket, Encoding.UTF8.GetBytes(Text), WebSocketMessageType.Text, timeout.Token);
            if (text.Type != WebSocketMessageType.Text || Encoding.UTF8.GetString(text.Payload) != Text) { return $"text frame came back as {text.Type} {Encoding.UTF8.GetString(text.Payload)}"; }
            byte[] binary = [1, 2, 3, 4, 5, 6, 7];
            var reply = await RoundTripAsync(socket, binary, WebSocketMessageType.Binary, timeout.Token);
            if (reply.Type != WebSocketMessageType.Binary || !reply.Payload.SequenceEqual(binary)) { return $"binary frame came back as {reply.Type} {Convert.ToHexString(reply.Payload)}"; }
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            return null;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            return e.Message;
        }
    }

    private static async Task<(WebSocketMessageType Type, byte[] Payload)> RoundTripAsync(ClientWebSocket socket, byte[] message, WebSocketMessageType type, CancellationToken cancel)
    {
        await socket.SendAsync(message, type, endOfMessage: true, cancel);
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        ValueWebSocketReceiveResult result;
        do
        {
            result = await socket.ReceiveAsync(buffer.AsMemory(), cancel);
            received.Write(buffer, 0, result.Count);
        }
        while (!result.EndOfMessage);
        return (result.MessageType, received.ToArray());
    }
}
