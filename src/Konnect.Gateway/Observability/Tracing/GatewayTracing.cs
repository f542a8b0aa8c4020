using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Konnect.Gateway.Observability.Tracing;

/// <summary>
/// The gateway's OpenTelemetry tracing: its own <see cref="ActivitySource"/> and a tracer provider exporting over OTLP.
/// On only when an OTLP endpoint is configured (<see cref="GatewayOptions.OtlpTracesEndpoint"/>, or the standard
/// OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT variables); off, it holds nothing and the
/// request path pays one field read.
/// </summary>
/// <remarks>
/// Each gateway owns its source instance and consults only its own provider: a test process running several gateways
/// (one tracing, the others not) must not make the quiet ones start spans because some listener exists.
/// </remarks>
public sealed class GatewayTracing : IDisposable
{
    /// <summary>The instrumentation scope name on every span the gateway exports.</summary>
    public const string SourceName = "Konnect.Gateway";

    /// <summary>The service.name the resource carries unless OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) says otherwise.</summary>
    public const string DefaultServiceName = "konnect";

    private readonly TracerProvider? _provider;

    public GatewayTracing(GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.OtlpTracesEndpoint is null && !IsSet("OTEL_EXPORTER_OTLP_ENDPOINT") && !IsSet("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
        {
            return;
        }

        Source = new ActivitySource(SourceName, typeof(GatewayTracing).Assembly.GetName().Version?.ToString());
        // Environment detectors last: a later detector wins a merge, so OTEL_SERVICE_NAME overrides the default name.
        var resource = ResourceBuilder.CreateEmpty().AddService(DefaultServiceName).AddTelemetrySdk().AddEnvironmentVariableDetector();
        _provider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(resource)
            .AddSource(SourceName)
            // The exporter binds the OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout, protocol) and the batch
            // processor OTEL_BSP_*; only what they leave open is set here.
            .AddOtlpExporter(exporter =>
            {
                // The specification's default; the .NET exporter's own default is gRPC on 4317.
                if (!IsSet("OTEL_EXPORTER_OTLP_PROTOCOL") && !IsSet("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
                {
                    exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                }

                if (options.OtlpTracesEndpoint is { } endpoint)
                {
                    exporter.Endpoint = endpoint;
                }
            })
            .Build();
    }

    /// <summary>True when spans are recorded and exported.</summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNullWhen(true, nameof(Source))]
    public bool Enabled => Source is not null;

    /// <summary>This gateway's source; null when tracing is off.</summary>
    internal ActivitySource? Source { get; }

    /// <summary>Exports every ended span now (tests, and nothing else, wait on this instead of the batch delay).</summary>
    public bool ForceFlush(int timeoutMilliseconds = 10_000) => _provider?.ForceFlush(timeoutMilliseconds) ?? true;

    public void Dispose()
    {
        // Disposing the provider flushes what the batch still holds, so a stopping gateway loses no spans.
        _provider?.Dispose();
        Source?.Dispose();
    }

    private static bool IsSet(string variable) => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(variable));
}
