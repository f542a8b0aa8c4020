using System.Globalization;

namespace Konnect.Reliability.Tests.Infrastructure;

/// <summary>One look at a process through /proc: resident memory (VmRSS), open file descriptors and threads.</summary>
public readonly record struct ProcessSample(TimeSpan At, long ResidentBytes, int FileDescriptors, int Threads)
{
    public double ResidentMiB => ResidentBytes / (1024.0 * 1024.0);

    public static ProcessSample Of(int pid, TimeSpan at = default)
    {
        long rss = 0;
        var threads = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) { rss = Field(line) * 1024; }
            else if (line.StartsWith("Threads:", StringComparison.Ordinal)) { threads = (int)Field(line); }
        }
        var fds = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Count();
        return new ProcessSample(at, rss, fds, threads);
    }

    // "VmRSS:	  123456 kB": the number after the name.
    private static long Field(string line) =>
        long.Parse(line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
