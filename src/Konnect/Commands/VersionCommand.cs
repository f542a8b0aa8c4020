using System.Reflection;

namespace Konnect.Commands;

/// <summary>`konnect version`: the build's version and the API version it serves.</summary>
public static class VersionCommand
{
    public static string Version { get; } =
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    public static string Text => $"konnect {Version} (API {Konnect.Api.V1Alpha1.KonnectGroup.ApiVersion}, .NET {Environment.Version})";

    public static int Run(TextWriter stdout)
    {
        stdout.WriteLine(Text);
        return 0;
    }
}
