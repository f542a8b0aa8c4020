using System.Runtime.InteropServices;

namespace Konnect.Controller;

/// <summary>
/// glibc's malloc keeps freed native memory (the JIT's, sockets', TLS's) in per-thread arenas instead of returning it;
/// <c>malloc_trim</c> gives the free pages of every arena back. Elsewhere (musl, macOS, Windows) it does nothing.
/// </summary>
internal static class NativeHeap
{
    private static bool s_unavailable = !OperatingSystem.IsLinux();

    public static void Trim()
    {
        if (s_unavailable) { return; }
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            s_unavailable = true; // a libc without it (musl): nothing to give back this way
        }
    }

    // DllImport rather than LibraryImport: the signature is blittable, and LibraryImport would need unsafe code on.
#pragma warning disable SYSLIB1054
    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
#pragma warning restore SYSLIB1054
}
