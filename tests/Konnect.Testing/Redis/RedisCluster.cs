namespace Konnect.Testing.Redis;

/// <summary>
/// A real Redis Cluster of three primaries (no replicas) on 127.0.0.1, made with `redis-cli --cluster create`, each
/// node's bus on a port of its own from <see cref="TestPorts"/> (not port+10000, which may be taken).
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    private RedisCluster(IReadOnlyList<RedisServer> nodes) => Nodes = nodes;

    public IReadOnlyList<RedisServer> Nodes { get; }

    /// <summary>Every node, "host:port,host:port,host:port", as --redis takes seed nodes.</summary>
    public string Address => string.Join(',', Nodes.Select(n => n.Endpoint));

    public static async Task<RedisCluster> StartAsync()
    {
        var nodes = new List<RedisServer>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                nodes.Add(await RedisServer.StartNewAsync(null, null,
                    "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", TestPorts.Free().ToString(),
                    "--cluster-node-timeout", "2000"));
            }
            await nodes[0].CliAsync(["--cluster", "create", .. nodes.Select(n => n.Endpoint), "--cluster-yes"]);
            // `create` returns once the slots are assigned; each node reports ok once the gossip has reached it.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            foreach (var node in nodes)
            {
                while (!(await node.CliAsync("cluster", "info")).Contains("cluster_state:ok", StringComparison.Ordinal))
                {
                    if (DateTime.UtcNow > deadline) { throw new InvalidOperationException($"cluster node {node.Endpoint} did not reach cluster_state:ok within 30 s"); }
                    await Task.Delay(100);
                }
            }
            return new RedisCluster(nodes);
        }
        catch
        {
            foreach (var node in nodes) { await node.DisposeAsync(); }
            throw;
        }
    }

    /// <summary>The node that holds <paramref name="key"/>'s slot (CLUSTER KEYSLOT, CLUSTER NODES).</summary>
    public async Task<RedisServer> NodeForAsync(string key)
    {
        var slot = int.Parse((await Nodes[0].CliAsync("cluster", "keyslot", key)).Trim());
        foreach (var line in (await Nodes[0].CliAsync("cluster", "nodes")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(' ');
            var address = fields[1].Split('@')[0];
            foreach (var range in fields.Skip(8))
            {
                var bounds = range.Split('-');
                var (from, to) = (int.Parse(bounds[0]), int.Parse(bounds[^1]));
                if (slot >= from && slot <= to) { return Nodes.Single(n => n.Endpoint == address); }
            }
        }
        throw new InvalidOperationException($"no node holds slot {slot}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes) { await node.DisposeAsync(); }
    }
}
