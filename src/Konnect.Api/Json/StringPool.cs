namespace Konnect.Api.Json;

/// <summary>
/// Hands out one instance of each short string that repeats across decoded objects: kinds, API versions, namespaces,
/// label keys, port names, protocols. At 10,000 routes the decoded objects held ~430,000 strings of which a quarter of
/// the bytes were copies (11.5 MiB). A fixed table of slots, one string per slot, each replaced by the latest string
/// that hashes there: bounded memory, no locks (a torn race only costs a copy), and a collision costs a copy, never a
/// wrong answer, because every hit is compared in full. Secret values from a cluster are <c>data</c>, decoded to bytes
/// that never pass through it; a manifest's <c>stringData</c> does, as any short string (it is in the folder anyway).
/// </summary>
public static class StringPool
{
    /// <summary>Longer strings are rarely repeated (addresses, messages) and are not worth a slot.</summary>
    public const int MaxLength = 64;

    private static readonly string?[] Slots = new string?[1 << 14];

    /// <summary>The pooled instance equal to <paramref name="chars"/>.</summary>
    public static string Get(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty) { return string.Empty; }
        if (chars.Length > MaxLength) { return new string(chars); }
        ref var slot = ref Slots[string.GetHashCode(chars) & (Slots.Length - 1)];
        var cached = Volatile.Read(ref slot);
        if (cached is not null && chars.SequenceEqual(cached)) { return cached; }
        var created = new string(chars);
        Volatile.Write(ref slot, created);
        return created;
    }
}
