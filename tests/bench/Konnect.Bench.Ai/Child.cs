using System.Diagnostics;
using System.Globalization;

namespace Konnect.Bench.Ai;

/// <summary>
/// A child process (konnect-echo or konnect) whose output is drained, keeping the last lines for a failure message.
/// Killed with its process tree when disposed, so nothing the bench started outlives it.
/// </summary>
internal sealed class Child : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private Child(string name, Process process, int port)
    {
        (Name, _process, Port) = (name, process, port);
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }
    public int Port { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    public static Child Start(string name, string file, int port, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args) { info.ArgumentList.Add(arg); }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) { info.Environment[key] = value; }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        return new Child(name, process, port);
    }

    /// <summary>User plus system CPU time from /proc/PID/stat (clock ticks of 10 ms), for CPU per call.</summary>
    public TimeSpan CpuTime()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of proc(5), counted from the state field (3) after the command name.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }

    /// <summary>The last lines the child wrote, for a failure message.</summary>
    public string Tail()
    {
        lock (_tail) { return string.Join('\n', _tail); }
    }

    private void Keep(string? line)
    {
        if (line is null) { return; }
        lock (_tail)
        {
            _tail.Enqueue(line);
            if (_tail.Count > 40) { _tail.Dequeue(); }
        }
    }

    public void Dispose()
    {
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _process.WaitForExit(5000);
        _process.Dispose();
    }
}
