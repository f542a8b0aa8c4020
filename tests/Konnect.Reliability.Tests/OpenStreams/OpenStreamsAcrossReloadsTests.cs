using Konnect.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Konnect.Reliability.Tests.OpenStreams;

/// <summary>
/// Issue #22, part 2: a WebSocket, a gRPC bidirectional stream and a long SSE response stay open through the real
/// `konnect` while other routes are reloaded 100 times (1,000 under `make reliability`), with no byte lost: each
/// stream carries sequence-numbered messages the whole time (both ways for WebSocket and gRPC), and every one must
/// arrive in order. Each reload is real: a route is added, changed or deleted and the next reload waits until the
/// gateway serves it.
/// </summary>
[Collection(nameof(KonnectUnderLoadCollection))]
public sealed class OpenStreamsAcrossReloadsTests(ITestOutputHelper output)
{
    private const string Part = "open streams";
    private static readonly int Reloads = ReliabilityFigures.Size(100, 1000);

    [Fact]
    public async Task OpenStreams_OtherRoutesReloaded_EveryMessageArrivesInOrder()
    {
        var loadAtStart = MachineLoad.Now();
        // The peers start side by side (each is a process that takes seconds on a loaded machine); the routes need
        // only their ports.
        var starting = GrpcPeer.StartServerAsync();
        await using var echo = EchoUpstream.Start("reload");
        await using var peers = await StreamPeers.StartAsync();
        await using var grpc = await starting;
        using var folder = new RouteFolder();
        folder.Write("streams.yaml", RouteFolder.Route("websocket", "/ws", peers.Url)
            + RouteFolder.Route("events", "/events", peers.Url)
            + RouteFolder.Route("grpc", "/konnect.test.Echo", grpc.Url, appProtocol: "grpc"));
        var konnectStarting = KonnectProcess.StartAsync(folder.Folder);
        await echo.ReadyAsync();
        await using var konnect = await konnectStarting;

        SequenceStream[] streams = [new WebSocketSequence("/ws"), new GrpcChatSequence(), new SseSequence(peers, "/events")];
        using var reloads = new RouteChurn(folder, konnect.TrafficUri, echo, slots: 1);
        try
        {
            foreach (var stream in streams) { await stream.OpenAsync(konnect.TrafficUri); }
            // One slot, no beat: each reload is made once the last one is served.
            await reloads.RunAsync(TimeSpan.FromHours(1), TimeSpan.Zero, limit: Reloads);
            foreach (var stream in streams) { await stream.FinishAsync(); }

            var served = reloads.Changes.Where(c => c.Milliseconds is not null).Select(c => c.Milliseconds!.Value).ToArray();
            ReliabilityFigures.Record(output, Part, "machine load average at start/end", $"{ReliabilityFigures.Format(loadAtStart, "0.0")}/{ReliabilityFigures.Format(MachineLoad.Now(), "0.0")}");
            ReliabilityFigures.Record(output, Part, "reloads served", $"{served.Length} of {Reloads}", served.Length == Reloads ? "met" : "missed");
            ReliabilityFigures.Record(output, Part, "reload served p50/p99/max ms",
                $"{ReliabilityFigures.Format(Stats.Percentile(served, 0.5), "0.0")}/{ReliabilityFigures.Format(Stats.Percentile(served, 0.99), "0.0")}/{ReliabilityFigures.Format(served.DefaultIfEmpty().Max(), "0.0")}");
            foreach (var stream in streams)
            {
                ReliabilityFigures.Record(output, Part, $"{stream.Kind} messages sent/received/lost",
                    $"{stream.Sent}/{stream.Received}/{stream.Lost}", stream.Lost == 0 && stream.FirstProblem is null ? "met" : "missed");
            }

            Assert.Equal(Reloads, served.Length);
            foreach (var stream in streams)
            {
                Assert.True(stream.FirstProblem is null, stream.FirstProblem);
                Assert.Equal(0, stream.Lost);
                Assert.Equal(0, stream.OutOfOrder);
                // The streams carried traffic the whole time, not a message or two.
                Assert.True(stream.Received >= Reloads, $"{stream.Kind}: only {stream.Received} messages over {Reloads} reloads");
            }
            Assert.False(konnect.HasExited, konnect.Output);
        }
        finally
        {
            foreach (var stream in streams) { await stream.DisposeAsync(); }
        }
    }
}
