using System.Net;
using System.Net.Sockets;
using Konnect.Gateway.Redis;
using Konnect.Testing.Redis;

namespace Konnect.Gateway.Tests.Redis;

/// <summary>The RESP client against a real redis-server (one per test, no persistence).</summary>
public sealed class RedisClientTests
{
    private static RedisClient Client(RedisServer server, string? password = null, string? username = null, int database = 0) => new(new RedisOptions
    {
        Endpoint = server.Endpoint, Password = password, Username = username, Database = database, ReconnectDelay = TimeSpan.FromMilliseconds(100),
    });

    [Fact]
    public async Task Commands_round_trip_strings_integers_nulls_and_arrays()
    {
        await using var server = await RedisServer.StartNewAsync();
        await using var client = Client(server);

        Assert.Equal("PONG", (await client.ExecuteAsync("PING")).Text);
        Assert.Equal("OK", (await client.ExecuteAsync("SET", "greeting", "grüß dich\r\n")).Text);
        Assert.Equal("grüß dich\r\n", (await client.ExecuteAsync("GET", "greeting")).Text);
        Assert.Equal(RespKind.Null, (await client.ExecuteAsync("GET", "missing")).Kind);
        Assert.Equal(3, (await client.ExecuteAsync("INCRBY", "n", "3")).Integer);
        var many = await client.ExecuteAsync("MGET", "greeting", "missing", "n");
        Assert.Equal(RespKind.Array, many.Kind);
        Assert.Equal(["grüß dich\r\n", null, "3"], many.Items.Select(i => i.Text));
    }

    [Fact]
    public async Task An_error_reply_throws_and_the_connection_stays_usable()
    {
        await using var server = await RedisServer.StartNewAsync();
        await using var client = new RedisClient(new RedisOptions { Endpoint = server.Endpoint, PoolSize = 1 });
        await client.ExecuteAsync("SET", "word", "abc");

        var error = await Assert.ThrowsAsync<RedisErrorException>(() => client.ExecuteAsync("INCR", "word"));
        Assert.Equal("ERR", error.Code);
        Assert.Equal("PONG", (await client.ExecuteAsync("PING")).Text);
    }

    [Fact]
    public async Task Auth_with_the_right_password_works_and_a_wrong_one_fails_without_echoing_it()
    {
        const string password = "s3cret-redis-pass";
        await using var server = await RedisServer.StartNewAsync(password);

        await using (var noPassword = Client(server))
        {
            var refused = await Assert.ThrowsAsync<RedisErrorException>(() => noPassword.ExecuteAsync("PING"));
            Assert.Equal("NOAUTH", refused.Code);
        }
        await using (var wrong = Client(server, "not-the-password"))
        {
            var refused = await Assert.ThrowsAsync<RedisErrorException>(() => wrong.ExecuteAsync("PING"));
            Assert.StartsWith("WRONGPASS", refused.Message);
            Assert.DoesNotContain("not-the-password", refused.ToString());
        }
        await using (var right = Client(server, password))
        {
            Assert.Equal("PONG", (await right.ExecuteAsync("PING")).Text);
        }
        await using (var withUser = Client(server, password, username: "default"))
        {
            Assert.Equal("PONG", (await withUser.ExecuteAsync("PING")).Text);
        }
    }

    [Fact]
    public async Task Select_keeps_databases_apart()
    {
        await using var server = await RedisServer.StartNewAsync();
        await using var three = Client(server, database: 3);
        await using var zero = Client(server);

        await three.ExecuteAsync("SET", "k", "in-three");
        Assert.Equal("in-three", (await three.ExecuteAsync("GET", "k")).Text);
        Assert.Equal(RespKind.Null, (await zero.ExecuteAsync("GET", "k")).Kind);
    }

    [Fact]
    public async Task Scripts_run_by_sha_and_are_sent_again_after_a_flush()
    {
        await using var server = await RedisServer.StartNewAsync();
        await using var client = Client(server);
        var script = new RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");

        Assert.Equal(2, (await client.EvalAsync(script, ["counter"], ["2"])).Integer);
        Assert.Equal(1, (await client.ExecuteAsync("SCRIPT", "EXISTS", script.Sha1)).Items[0].Integer);
        await client.ExecuteAsync("SCRIPT", "FLUSH");
        Assert.Equal(5, (await client.EvalAsync(script, ["counter"], ["3"])).Integer);
    }

    [Fact]
    public async Task Concurrent_commands_are_pipelined_and_each_gets_its_own_reply()
    {
        await using var server = await RedisServer.StartNewAsync();
        await using var client = new RedisClient(new RedisOptions { Endpoint = server.Endpoint, PoolSize = 2 });

        var replies = await Task.WhenAll(Enumerable.Range(0, 500).Select(_ => client.ExecuteAsync("INCR", "hits")));
        Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), replies.Select(r => r.Integer).Order());
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var endpoint = (IPEndPoint)silent.LocalEndpoint;
        await using var client = new RedisClient(new RedisOptions { Endpoint = $"127.0.0.1:{endpoint.Port}", CommandTimeout = TimeSpan.FromMilliseconds(200) });

        var error = await Assert.ThrowsAsync<RedisException>(() => client.ExecuteAsync("PING"));
        Assert.Contains("no reply within 200 ms", error.Message);
    }

    [Fact]
    public async Task An_unreachable_server_fails_and_the_client_reconnects_when_it_is_back()
    {
        await using var server = await RedisServer.StartNewAsync();
        await using var client = Client(server);
        Assert.Equal("PONG", (await client.ExecuteAsync("PING")).Text);

        await server.StopAsync();
        await Assert.ThrowsAnyAsync<RedisException>(() => client.ExecuteAsync("PING"));
        // Failing fast until the reconnect delay passes: still an exception, never a hang.
        await Assert.ThrowsAnyAsync<RedisException>(() => client.ExecuteAsync("PING"));

        await server.StartAsync();
        string? pong = null;
        for (var i = 0; i < 100 && pong is null; i++)
        {
            try { pong = (await client.ExecuteAsync("PING")).Text; }
            catch (RedisException) { await Task.Delay(50); }
        }
        Assert.Equal("PONG", pong);
    }
}
