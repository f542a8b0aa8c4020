namespace Konnect.Gateway.Redis;

/// <summary>The few Redis commands Konnect needs. A swap to a full client library would implement only this.</summary>
public interface IRedisClient
{
    /// <summary>Where Redis is, for messages ("host:port"); never includes credentials.</summary>
    string Endpoint { get; }

    /// <summary>Runs one command.</summary>
    /// <exception cref="RedisErrorException">Redis answered with an error.</exception>
    /// <exception cref="RedisException">Redis could not be reached or did not answer in time.</exception>
    Task<RespValue> ExecuteAsync(params string[] command);

    /// <summary>Runs a script by its SHA-1 (EVALSHA), sending its text (EVAL) only when Redis does not know it yet.</summary>
    /// <exception cref="RedisErrorException">The script failed.</exception>
    /// <exception cref="RedisException">Redis could not be reached or did not answer in time.</exception>
    Task<RespValue> EvalAsync(RedisScript script, IReadOnlyList<string> keys, IReadOnlyList<string> args);
}
