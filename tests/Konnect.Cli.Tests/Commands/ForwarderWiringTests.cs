using System.Net;
using Konnect.Commands;
using Konnect.Gateway;
using Konnect.Gateway.Forwarding;
using Konnect.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Cli.Tests.Commands;

/// <summary>`konnect run --forwarder konnect|yarp` decides which forwarder carries a plain route's traffic.</summary>
public sealed class ForwarderWiringTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-forwarder-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(ForwarderKind.Konnect, 1)]
    [InlineData(ForwarderKind.Yarp, 0)]
    public async Task Run_ForwarderOption_DecidesWhoForwardsAPlainRoute(ForwarderKind kind, int konnectTargets)
    {
        await using var upstream = LoopbackApp.Create();
        upstream.Run(context => context.Response.WriteAsync("from upstream"));
        await upstream.StartAsync();
        Repo.WriteOrdersRoute(_dir, upstream.Port());

        var app = RunCommand.Build(new RunOptions([_dir], ["http://127.0.0.1:0"], ["http://127.0.0.1:0"]) { Forwarder = kind, AccessLog = false });
        await using (app)
        {
            await app.StartAsync();
            Assert.Equal(kind, app.Services.GetRequiredService<GatewayOptions>().Forwarder);
            var traffic = $"http://127.0.0.1:{app.Services.GetRequiredService<GatewayListeners>().TrafficEndPoints[0].Port}/orders/1";
            using var http = new HttpClient();
            await Repo.EventuallyAsync(async () => (await http.GetAsync(traffic)).StatusCode == HttpStatusCode.OK, "route served");

            Assert.Equal("from upstream", await http.GetStringAsync(traffic));
            Assert.Equal(konnectTargets, app.Services.GetRequiredService<UpstreamTargets>().Count);
            await app.StopAsync();
        }
    }
}
