using Konnect.Gateway.Redis;
using Konnect.Testing.Tls;

namespace Konnect.Gateway.Tests.Redis;

/// <summary>The --redis address and settings: what is accepted, and errors that name the setting without repeating a password.</summary>
public sealed class RedisOptionsTests
{
    [Theory]
    [InlineData("redis.internal:6380", "redis.internal:6380", false, null, null)]
    [InlineData("redis.internal", "redis.internal:6379", false, null, null)]
    [InlineData(" 10.0.0.5:7000 ", "10.0.0.5:7000", false, null, null)]
    [InlineData("[::1]:6379", "[::1]:6379", false, null, null)]
    [InlineData("[fd00::5]", "[fd00::5]:6379", false, null, null)]
    [InlineData("a:7000,b:7001, c:7002", "a:7000,b:7001,c:7002", false, null, null)]
    [InlineData("redis://redis.internal:6379/2", "redis.internal:6379", false, null, 2)]
    [InlineData("rediss://konnect@redis.internal:6380", "redis.internal:6380", true, "konnect", null)]
    [InlineData("REDISS://redis.internal/", "redis.internal:6379", true, null, null)]
    [InlineData("redis://sentinel-0:26379,sentinel-1:26379", "sentinel-0:26379,sentinel-1:26379", false, null, null)]
    public void Parse_WhatPlatformEngineersWrite_Accepted(string text, string endpoints, bool tls, string? user, int? database)
    {
        var address = RedisAddress.Parse(text);

        Assert.Equal(endpoints, string.Join(',', address.Endpoints));
        Assert.Equal((tls, user, database), (address.Tls, address.Username, address.Database));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("http://redis:6379", "not redis:// or rediss://")]
    [InlineData("redis:abc", "is not host:port")]
    [InlineData("redis:70000", "is not host:port")]
    [InlineData("::1:6379", "IPv6 address in brackets")]
    [InlineData("a:1,,b:2", "empty entry")]
    [InlineData("redis://h:6379/x", "not a database number")]
    [InlineData("redis://h:6379?ssl=true", "query or fragment")]
    public void Parse_BadAddress_RefusedNamingTheProblem(string text, string why)
    {
        var error = Assert.Throws<FormatException>(() => RedisAddress.Parse(text));
        Assert.Contains(why, error.Message);
    }

    [Theory]
    [InlineData("redis://:hunter2-secret@redis:6379")]
    [InlineData("rediss://konnect:hunter2-secret@redis:6380/0")]
    public void Parse_PasswordInTheAddress_RefusedWithoutRepeatingIt(string text)
    {
        var error = Assert.Throws<FormatException>(() => RedisAddress.Parse(text));

        Assert.Contains("KONNECT_REDIS_PASSWORD", error.Message);
        Assert.DoesNotContain("hunter2-secret", error.ToString());
    }

    [Fact]
    public void ToString_WithPasswords_NamesTheEndpointsAndTheSentinelServiceOnly()
    {
        var options = new RedisOptions
        {
            Address = "s0:26379,s1:26379", SentinelService = "mymaster", Password = "pw-one-secret", SentinelPassword = "pw-two-secret", Username = "konnect",
        };

        Assert.Equal("s0:26379,s1:26379 (Sentinel service mymaster)", options.ToString());
    }

    [Fact]
    public void Tls_Unset_FollowsTheSchemeOrTheCa()
    {
        static bool Tls(RedisOptions o) => o.UsesTls(o.Resolve());
        var ca = Path.GetTempFileName();
        try
        {
            File.WriteAllText(ca, TestCertificate.Authority("Options Test CA").CertificatePem);
            Assert.False(Tls(new RedisOptions { Address = "redis:6379" }));
            Assert.True(Tls(new RedisOptions { Address = "rediss://redis:6379" }));
            Assert.True(Tls(new RedisOptions { Address = "redis:6379", TlsCaFile = ca }));
            Assert.True(Tls(new RedisOptions { Address = "redis:6379", Tls = true }));
            Assert.Contains("--redis-tls off contradicts", Assert.Throws<FormatException>(() => new RedisOptions { Address = "rediss://redis", Tls = false }.Resolve()).Message);
        }
        finally
        {
            File.Delete(ca);
        }
    }

    [Fact]
    public void Resolve_CaFileMissingOrNotPem_FailsNamingTheOption()
    {
        var missing = Assert.Throws<FormatException>(() => new RedisOptions { Address = "rediss://redis", TlsCaFile = "/nonexistent/ca.crt" }.Resolve());
        Assert.Contains("--redis-tls-ca /nonexistent/ca.crt: no such file", missing.Message);

        var text = Path.GetTempFileName();
        try
        {
            File.WriteAllText(text, "not a certificate\n");
            var empty = Assert.Throws<FormatException>(() => new RedisOptions { Address = "rediss://redis", TlsCaFile = text }.Resolve());
            Assert.Contains($"--redis-tls-ca {text}: holds no PEM certificate", empty.Message);
        }
        finally
        {
            File.Delete(text);
        }
    }

    [Fact]
    public void Resolve_BadTimeoutOrDatabase_Refused()
    {
        Assert.Contains("greater than zero", Assert.Throws<FormatException>(() => new RedisOptions { Address = "r", CommandTimeout = TimeSpan.Zero }.Resolve()).Message);
        Assert.Contains("database -1", Assert.Throws<FormatException>(() => new RedisOptions { Address = "r", Database = -1 }.Resolve()).Message);
    }
}
