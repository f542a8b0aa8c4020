using System.Text.Json.Serialization;

namespace Konnect.Model;

/// <summary>
/// An accepted KonnectConsumer with its credentials reduced to SHA-256 hashes. The hashes are [JsonIgnore]: /config,
/// golden files and `konnect validate -o json` never show them (an unsalted hash of a weak key can be brute-forced).
/// <see cref="CredentialsVersion"/> is serialised instead, so the model version still changes when a key rotates.
/// </summary>
public sealed record ConsumerModel
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public IReadOnlyList<string> Groups { get; init; } = [];
    /// <summary>Routes ("namespace/name") the consumer subscribed to.</summary>
    public IReadOnlyList<string> Subscriptions { get; init; } = [];

    /// <summary>Lower-case hex SHA-256 of each API key.</summary>
    [JsonIgnore] public IReadOnlyList<string> ApiKeyHashes { get; init; } = [];
    [JsonIgnore] public string? BasicUsername { get; init; }
    /// <summary>Lower-case hex SHA-256 of the basic password.</summary>
    [JsonIgnore] public string? BasicPasswordHash { get; init; }

    /// <summary>The JWT identity: tokens from this issuer whose consumer claim equals <see cref="JwtSubject"/>. Not a secret.</summary>
    public string? JwtIssuer { get; init; }
    public string? JwtSubject { get; init; }

    /// <summary>The client certificate identity: a subject DN (normalised by X500DistinguishedName) or a DNS/URI SAN. Not a secret.</summary>
    public string? MtlsSubject { get; init; }
    public string? MtlsSan { get; init; }

    /// <summary>A short hash over every credential hash: changes when a credential does, reveals nothing about it.</summary>
    public string CredentialsVersion { get; init; } = "";

    [JsonIgnore] public string Id => $"{Namespace}/{Name}";
}
