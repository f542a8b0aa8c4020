namespace Konnect.Kubernetes.Config;

/// <summary>
/// The bearer token to send on each request. A token file is re-read when its modification time changes, and at
/// least once a minute anyway: Kubernetes swaps projected tokens through a symlink (..data), which does not always
/// change the mtime seen through the link, and the kubelet rotates them well before they expire (client-go does the same).
/// </summary>
internal sealed class BearerTokenSource
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMinutes(1);

    private readonly string? _staticToken;
    private readonly string? _file;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private string? _cached;
    private DateTime _cachedMtime;
    private DateTimeOffset _readAt;

    public BearerTokenSource(KubeConfig config, TimeProvider time)
    {
        _staticToken = string.IsNullOrWhiteSpace(config.Token) ? null : config.Token.Trim();
        _file = config.TokenFile;
        _time = time;
    }

    /// <summary>The current token, or null when the configuration has none (client certificates only).</summary>
    public string? GetToken()
    {
        if (_file is null)
        {
            return _staticToken;
        }
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var mtime = File.Exists(_file) ? File.GetLastWriteTimeUtc(_file) : default;
            if (_cached is null || mtime != _cachedMtime || now - _readAt >= MaxAge)
            {
                try
                {
                    var text = File.ReadAllText(_file).Trim();
                    if (text.Length > 0)
                    {
                        _cached = text;
                    }
                    _cachedMtime = mtime;
                    _readAt = now;
                }
                catch (IOException) when (_cached is not null)
                {
                    // Mid-rotation the file can vanish for an instant; the previous token is still valid for a while.
                }
                catch (UnauthorizedAccessException) when (_cached is not null)
                {
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    throw new KubeConfigException($"Cannot read the bearer token file {_file}: {ex.Message}", ex);
                }
            }
            return _cached ?? throw new KubeConfigException($"The token file {_file} is empty.");
        }
    }
}
