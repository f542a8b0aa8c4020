using System.Security.Cryptography;
using System.Text;

namespace Konnect.Gateway.Redis;

/// <summary>A Lua script and the SHA-1 Redis knows it by (EVALSHA).</summary>
public sealed class RedisScript(string text)
{
    public string Text { get; } = text;
    public string Sha1 { get; } = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
}
