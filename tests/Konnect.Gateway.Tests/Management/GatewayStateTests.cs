using Konnect.Model;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Management;

public sealed class GatewayStateTests
{
    [Fact]
    public void Swap_ModelThatMovedOnlyEndpoints_ServesWithoutTheModelEvents_AnyOtherChangeRaisesThem()
    {
        // What handles the events (HTTPS hosts, certificates, JWKS, rate-limit and quota counters) reads hosts, policies
        // and TLS, never endpoints: an endpoint change, the most frequent one, must not make each walk every rule.
        var state = new GatewayState();
        var events = new List<string>();
        state.ModelApplying += m => events.Add($"applying {m.Version}");
        state.ModelApplied += m => events.Add($"applied {m.Version}");
        var route = Route("a", "http://10.0.0.1:80", Prefix("/"));
        var first = new GatewayModel { Version = "1", Routes = [route, Route("b", "http://10.0.0.2:80", Prefix("/b"))] };
        state.Swap(first, () => events.Add("serve 1"));

        var moved = first with
        {
            Version = "2",
            Routes = [route with { Backends = [route.Backends[0] with { Endpoints = [] }], Unavailable = new Unavailable("NoReadyEndpoints", "none") }, first.Routes[1]],
        };
        state.Swap(moved, () => events.Add("serve 2"));
        Assert.Same(moved, state.AppliedModel);

        var rehosted = moved with { Version = "3", Routes = [moved.Routes[0] with { Hosts = ["a.example.com"] }, moved.Routes[1]] };
        state.Swap(rehosted, () => events.Add("serve 3"));
        var repolicied = rehosted with { Version = "4", Routes = [rehosted.Routes[0], rehosted.Routes[1] with { Policies = new PoliciesModel() }] };
        state.Swap(repolicied, () => events.Add("serve 4"));

        Assert.Equal(["applying 1", "serve 1", "applied 1", "serve 2", "applying 3", "serve 3", "applied 3", "applying 4", "serve 4", "applied 4"], events);
    }
}
