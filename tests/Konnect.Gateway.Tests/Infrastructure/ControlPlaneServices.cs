using Konnect.Controller.Status;
using Konnect.Model;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Gateway.Tests.Infrastructure;

/// <summary>The control plane's side of the seam, registered as `konnect run` registers it: the statuses /status
/// serves and the conditions the data plane reports.</summary>
internal static class ControlPlaneServices
{
    public static IServiceCollection AddControlPlaneSide(this IServiceCollection services)
    {
        services.AddSingleton<StatusBoard>();
        services.AddSingleton<IObjectStatuses>(sp => sp.GetRequiredService<StatusBoard>());
        services.AddSingleton<DataPlaneConditions>();
        services.AddSingleton<IDataPlaneReports>(sp => sp.GetRequiredService<DataPlaneConditions>());
        return services;
    }
}
