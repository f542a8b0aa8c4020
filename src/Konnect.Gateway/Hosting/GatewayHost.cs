using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Hosting;

/// <summary>The gateway as a ready-to-run web application, for the konnect host and for tests.</summary>
public static class GatewayHost
{
    /// <summary>
    /// Creates the application with the gateway registered and its pipeline built. Start it, then publish models
    /// through <see cref="Konnect.Model.IConfigPublisher"/> from <c>app.Services</c>.
    /// </summary>
    /// <param name="options">Listen addresses and timeouts.</param>
    /// <param name="services">Extra registrations (a controller, test doubles, logging changes).</param>
    /// <param name="args">Command-line arguments for configuration (logging levels and the like).</param>
    public static WebApplication Build(GatewayOptions options, Action<IServiceCollection>? services = null, string[]? args = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Kestrel takes a bare LF as a line end (RFC 9112 lets a recipient); a proxy in front that does not would read
        // "X: y\nContent-Length: 5" as one field, and the two disagree on where the request ends. Konnect is that
        // proxy's upstream as often as it is the edge, so it refuses such requests (400) instead. Kestrel reads the
        // switch when a server starts; it holds for the process, which is the gateway's.
        AppContext.SetSwitch("Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators", true);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args ?? [] });
        builder.Services.AddKonnectGateway(options);
        // YARP and ASP.NET hosting log every request at Information and Debug, request lines with their query strings,
        // which can carry API keys. These filters are added after configuration, so they win over Logging:LogLevel on
        // purpose: no log level an operator picks can make these categories write a credential.
        builder.Logging.AddFilter("Yarp", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // While this category is enabled at any level, hosting starts an Activity and pushes a log scope for every
        // request (a tenth of a proxied request's allocations). It only logs request start and end at Information,
        // which the filter above already hides, and Konnect's spans come from its own ActivitySource.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        // The console logger blocks the logging thread when its queue (2,500 messages) is full. Requests run on the I/O
        // threads, so a backed-up stdout would stall every connection on one; dropping instead keeps traffic moving,
        // and the logger writes how many messages it dropped once it catches up.
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(
            o => o.QueueFullMode = Microsoft.Extensions.Logging.Console.ConsoleLoggerQueueFullMode.DropWrite);
        services?.Invoke(builder.Services);

        var app = builder.Build();
        app.UseKonnectGateway();
        return app;
    }
}
