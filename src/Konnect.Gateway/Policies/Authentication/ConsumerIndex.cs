using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Security.Cryptography;
using Konnect.Model;

namespace Konnect.Gateway.Policies.Authentication;

/// <summary>An authenticated caller, built once per model and shared by every request it makes.</summary>
internal sealed class ConsumerIdentity(ConsumerModel model)
{
    /// <summary>The request header that tells the upstream who called (the consumer's id), set by the policy step.</summary>
    public const string Header = "x-konnect-consumer";

    /// <summary>The request header with the consumer's groups, comma-separated.</summary>
    public const string GroupsHeaderName = "x-konnect-consumer-groups";

    public string Id { get; } = model.Id;

    /// <summary>The value of x-konnect-consumer-groups, joined once rather than per request.</summary>
    public string GroupsHeader { get; } = string.Join(',', model.Groups);

    public FrozenSet<string> Groups { get; } = model.Groups.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Routes ("namespace/name") the consumer subscribed to.</summary>
    public FrozenSet<string> Subscriptions { get; } = model.Subscriptions.ToFrozenSet(StringComparer.Ordinal);
}

/// <summary>
/// Credentials of one model, by hash: an API key's SHA-256 finds its consumer, a username finds its password hash.
/// The presented value is hashed once and compared with <see cref="CryptographicOperations.FixedTimeEquals"/>, so
/// neither the key nor how much of it matched shows in timing. Built once per applied model.
/// </summary>
internal sealed class ConsumerIndex
{
    public static readonly ConsumerIndex Empty = new([]);

    private readonly Dictionary<Sha256, (byte[] Hash, ConsumerIdentity Consumer)> _keys = [];
    private readonly Dictionary<string, (byte[] Hash, ConsumerIdentity Consumer)> _basic = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConsumerIdentity> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Issuer, string Subject), ConsumerIdentity> _jwt = [];
    // Keys are "subject:" + DN or "san:" + name, so one table holds both without a subject colliding with a SAN.
    private readonly Dictionary<string, ConsumerIdentity> _mtls = new(StringComparer.Ordinal);

    // Compared against when a username is unknown, so unknown and known users cost the same.
    private static readonly byte[] Decoy = SHA256.HashData("konnect-decoy"u8);

    public ConsumerIndex(IReadOnlyList<ConsumerModel> consumers)
    {
        var ambiguousKeys = new HashSet<Sha256>();
        var ambiguousUsers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var model in consumers)
        {
            var identity = new ConsumerIdentity(model);
            _byId[identity.Id] = identity;
            foreach (var hex in model.ApiKeyHashes)
            {
                var hash = Convert.FromHexString(hex);
                // A key shared by two consumers identifies neither: drop it rather than pick one (fail closed).
                if (!_keys.TryAdd(Sha256.From(hash), (hash, identity))) { ambiguousKeys.Add(Sha256.From(hash)); }
            }
            if (model.BasicUsername is { } user && model.BasicPasswordHash is { } password
                && !_basic.TryAdd(user, (Convert.FromHexString(password), identity)))
            {
                ambiguousUsers.Add(user);
            }
        }
        var ambiguousSubjects = new HashSet<(string, string)>();
        foreach (var model in consumers)
        {
            // Two consumers claiming one issuer and subject identify neither (fail closed, like shared API keys).
            if (model.JwtIssuer is { } issuer && model.JwtSubject is { } subject && !_jwt.TryAdd((issuer, subject), _byId[model.Id]))
            {
                ambiguousSubjects.Add((issuer, subject));
            }
        }
        foreach (var pair in ambiguousSubjects) { _jwt.Remove(pair); }
        var ambiguousCertificates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var model in consumers)
        {
            var name = model.MtlsSubject is { } dn ? "subject:" + dn : model.MtlsSan is { } san ? "san:" + san : null;
            if (name is not null && !_mtls.TryAdd(name, _byId[model.Id])) { ambiguousCertificates.Add(name); }
        }
        foreach (var name in ambiguousCertificates) { _mtls.Remove(name); }
        foreach (var key in ambiguousKeys) { _keys.Remove(key); }
        foreach (var user in ambiguousUsers) { _basic.Remove(user); }
    }

    public ConsumerIdentity? ById(string id) => _byId.GetValueOrDefault(id);

    /// <summary>A JWT identity is public (issuer and a claim value), so a plain lookup is enough.</summary>
    public ConsumerIdentity? ByJwt(string issuer, string subject) => _jwt.GetValueOrDefault((issuer, subject));

    /// <summary>
    /// The consumer a verified certificate names: by subject first, then by each SAN in order. Two consumers that
    /// a certificate's names map to would be ambiguous, so the certificate then identifies neither (fail closed).
    /// </summary>
    public ConsumerIdentity? ByCertificate(string subject, IEnumerable<string> sans)
    {
        ConsumerIdentity? found = _mtls.GetValueOrDefault("subject:" + subject);
        foreach (var san in sans)
        {
            if (_mtls.GetValueOrDefault("san:" + san) is not { } bySan || ReferenceEquals(bySan, found)) { continue; }
            if (found is not null) { return null; }
            found = bySan;
        }
        return found;
    }

    public ConsumerIdentity? ByApiKey(ReadOnlySpan<char> key)
    {
        Span<byte> hash = stackalloc byte[32];
        HashUtf8(key, hash);
        return _keys.TryGetValue(Sha256.From(hash), out var entry) && CryptographicOperations.FixedTimeEquals(entry.Hash, hash)
            ? entry.Consumer
            : null;
    }

    /// <summary>The consumer an "Authorization: Basic ..." header names, if its password is right; null otherwise.</summary>
    public ConsumerIdentity? ByBasicHeader(string? header)
    {
        const string Scheme = "Basic ";
        if (header is null || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)) { return null; }
        var encoded = header.AsSpan(Scheme.Length).Trim();
        var maxLength = System.Buffers.Text.Base64.GetMaxDecodedFromUtf8Length(encoded.Length);
        if (maxLength > 4096) { return null; }
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(maxLength);
        try
        {
            if (!Convert.TryFromBase64Chars(encoded, buffer, out var length)) { return null; }
            var decoded = buffer.AsSpan(0, length);
            var colon = decoded.IndexOf((byte)':');
            if (colon <= 0) { return null; }
            string username;
            try { username = new System.Text.UTF8Encoding(false, true).GetString(decoded[..colon]); }
            catch (System.Text.DecoderFallbackException) { return null; }
            return ByBasic(username, decoded[(colon + 1)..]);
        }
        finally
        {
            // The buffer held a password: clear it before it goes back to the pool.
            CryptographicOperations.ZeroMemory(buffer);
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public ConsumerIdentity? ByBasic(string username, ReadOnlySpan<byte> password)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(password, hash);
        var found = _basic.TryGetValue(username, out var entry);
        var equal = CryptographicOperations.FixedTimeEquals(found ? entry.Hash : Decoy, hash);
        return found && equal ? entry.Consumer : null;
    }

    private static void HashUtf8(ReadOnlySpan<char> text, Span<byte> hash)
    {
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = max <= 512 ? null : System.Buffers.ArrayPool<byte>.Shared.Rent(max);
        Span<byte> buffer = rented ?? stackalloc byte[512];
        var length = System.Text.Encoding.UTF8.GetBytes(text, buffer);
        SHA256.HashData(buffer[..length], hash);
        // The buffer held a credential: clear it before it goes back to the pool or the stack is reused.
        CryptographicOperations.ZeroMemory(buffer[..length]);
        if (rented is not null) { System.Buffers.ArrayPool<byte>.Shared.Return(rented); }
    }

    /// <summary>A SHA-256 as a dictionary key without allocating a string or array per lookup.</summary>
    private readonly record struct Sha256(ulong A, ulong B, ulong C, ulong D)
    {
        public static Sha256 From(ReadOnlySpan<byte> hash) => new(
            BinaryPrimitives.ReadUInt64LittleEndian(hash),
            BinaryPrimitives.ReadUInt64LittleEndian(hash[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(hash[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(hash[24..]));
    }
}
