using System.Diagnostics;
using System.Globalization;
using Konnect.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Konnect.Reliability.Tests.Soak;

/// <summary>One look at the soaked process: /proc's figures and the managed heap it reports on /metrics.</summary>
public readonly record struct SoakSample(ProcessSample Process, double HeapMiB)
{
    public TimeSpan At => Process.At;
}

/// <summary>
/// Samples the `konnect` process every few seconds in the background (time counted from <see cref="Start"/>) until
/// stopped, and writes what it saw: a line a minute in the test's output and, under `make reliability`, every sample
/// in soak-samples.tsv beside the figures file, the shape behind the slopes (a climb that levels off reads differently
/// from a steady one).
/// </summary>
public sealed class SoakSampler(KonnectProcess konnect, TimeSpan every) : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly List<SoakSample> _samples = [];
    private readonly CancellationTokenSource _stop = new();
    private long _started;
    private Task _sampling = Task.CompletedTask;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    public IReadOnlyList<SoakSample> Samples { get { lock (_samples) { return [.. _samples]; } } }

    public void Start()
    {
        _started = Stopwatch.GetTimestamp();
        _sampling = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested && !konnect.HasExited)
            {
                await SampleAsync();
                try { await Task.Delay(every, _stop.Token); }
                catch (OperationCanceledException) { }
            }
        });
    }

    /// <summary>Takes one sample now (also recorded in <see cref="Samples"/>).</summary>
    public async Task<SoakSample> SampleAsync()
    {
        var sample = new SoakSample(konnect.Sample(Elapsed), await konnect.ManagedHeapBytesAsync(_http) / 1048576.0);
        lock (_samples) { _samples.Add(sample); }
        return sample;
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
    }

    public void Write(ITestOutputHelper output)
    {
        var samples = Samples;
        foreach (var minute in samples.GroupBy(s => (int)s.At.TotalMinutes))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"minute {minute.Key}: RSS {minute.Average(s => s.Process.ResidentMiB):0.0} MiB, heap {minute.Average(s => s.HeapMiB):0.0} MiB, fds {minute.Max(s => s.Process.FileDescriptors)}, threads {minute.Max(s => s.Process.Threads)}"));
        }
        if (Environment.GetEnvironmentVariable("KONNECT_RELIABILITY_OUT") is { Length: > 0 } figures)
        {
            File.WriteAllLines(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(figures))!, "soak-samples.tsv"),
                ["seconds\trss_mib\theap_mib\tfds\tthreads", .. samples.Select(s => string.Create(CultureInfo.InvariantCulture,
                    $"{s.At.TotalSeconds:0.0}\t{s.Process.ResidentMiB:0.00}\t{s.HeapMiB:0.00}\t{s.Process.FileDescriptors}\t{s.Process.Threads}"))]);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _http.Dispose();
        _stop.Dispose();
    }
}
