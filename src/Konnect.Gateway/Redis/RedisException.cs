namespace Konnect.Gateway.Redis;

/// <summary>Redis could not be reached, timed out, or spoke something that is not RESP. Never carries a credential.</summary>
public class RedisException : Exception
{
    public RedisException(string message) : base(message) { }
    public RedisException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Redis answered with an error reply ("-ERR ...", "-NOSCRIPT ...", "-WRONGPASS ..."); the connection is still good.</summary>
public sealed class RedisErrorException(string message) : RedisException(message)
{
    /// <summary>The first word of the reply: ERR, NOSCRIPT, WRONGPASS, NOAUTH...</summary>
    public string Code => Message.Split(' ', 2)[0];
}
