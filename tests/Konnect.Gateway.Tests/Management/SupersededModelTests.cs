using System.Runtime.CompilerServices;
using Konnect.Model;
using Konnect.Gateway.Tests.Infrastructure;
using static Konnect.Gateway.Tests.Infrastructure.Routes;

namespace Konnect.Gateway.Tests.Management;

/// <summary>
/// A publish keeps what serves alike from the last model (compiled rules, YARP configs, regexes); nothing may keep
/// the superseded model or a replaced rule alive, or memory grows with every change (issue #9).
/// </summary>
public sealed class SupersededModelTests : GatewayTest
{
    [Fact]
    public async Task PublishAsync_ModelSuperseded_OldModelAndReplacedRuleAreCollectable()
    {
        var kept = Route("kept", Backend.Url("/k"), Prefix("/k"));
        var (oldModel, oldRule) = await PublishFirstAsync(kept);

        await Gateway.PublishAsync(kept, Route("changed", Backend.Url("/c2"), Regex("/c/[0-9]+")));
        Assert.Equal("/c2/c/2", await Gateway.BodyAsync("/c/2"));
        // A few more publishes, as a change stream would bring: the pool and routing caches move on.
        await Gateway.PublishAsync(kept, Route("changed", Backend.Url("/c3"), Regex("/c/[0-9]+")));
        Assert.Equal("/c3/c/3", await Gateway.BodyAsync("/c/3"));

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(oldModel.IsAlive, "the superseded GatewayModel is still reachable");
        Assert.False(oldRule.IsAlive, "the replaced RouteModel is still reachable");
        Assert.Equal("/k/k/x", await Gateway.BodyAsync("/k/x"));
    }

    // Not inlined, so no local of the caller's frame keeps the first model reachable.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private async Task<(WeakReference Model, WeakReference Rule)> PublishFirstAsync(RouteModel kept)
    {
        var changed = Route("changed", Backend.Url("/c1"), Regex("/c/[0-9]+"));
        var model = await Gateway.PublishAsync(kept, changed);
        Assert.Equal("/c1/c/1", await Gateway.BodyAsync("/c/1"));
        return (new WeakReference(model), new WeakReference(changed));
    }
}
