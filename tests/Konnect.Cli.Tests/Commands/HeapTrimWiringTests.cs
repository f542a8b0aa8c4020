using Konnect.Commands;
using Konnect.Controller;
using Microsoft.Extensions.DependencyInjection;

namespace Konnect.Cli.Tests.Commands;

/// <summary>`konnect run` trims the heap after changes settle unless `--heap-trim off` says not to.</summary>
public sealed class HeapTrimWiringTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("konnect-heap-trim-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Run_HeapTrimOption_DecidesWhetherTheReconcilerHasATrimmer(bool on)
    {
        var app = RunCommand.Build(new RunOptions([_dir], ["http://127.0.0.1:0"], ["http://127.0.0.1:0"]) { HeapTrim = on });
        await using (app)
        {
            var trimmer = app.Services.GetService<HeapTrimmer>();
            Assert.Equal(on, trimmer is not null);
            if (on) { Assert.Equal(HeapTrimOptions.Default, app.Services.GetRequiredService<HeapTrimOptions>()); }
        }
    }
}
