using System.ComponentModel;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Authentication;
using k8s.KubeConfigModels;

namespace Konnect.Kubernetes.Config;

/// <summary>
/// Bearer tokens from a kubeconfig <c>exec</c> credential plugin (aws eks get-token, gke-gcloud-auth-plugin,
/// kubelogin...), run as kubectl runs them with <c>interactiveMode: Never</c>: the plugin is told it is not
/// interactive and gets no stdin, its token is kept until its <c>expirationTimestamp</c> draws near, and a failure is
/// one sentence naming the kubeconfig user and the command. KubernetesClient runs exec plugins too, but tells them
/// they are interactive, ignores their exit status, leaves one that outlives its timeout running, and puts a stack
/// trace in its error message: those are what this class exists for; the plugin's wire format is the library's model.
/// </summary>
public sealed class ExecCredentialProvider : ITokenProvider
{
    /// <summary>How long one run of the plugin may take before it is stopped (kubectl has no limit; a pod must not hang).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    // A token is renewed this long before it expires (or after half its life, when that is shorter), so a request
    // never leaves with a token that expires on the way.
    private static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(30);

    private readonly string _user;
    private readonly ExternalExecution _exec;
    private readonly KubernetesClientConfiguration _cluster;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile Credential? _credential;

    public ExecCredentialProvider(string user, ExternalExecution exec, string? interactiveMode, KubernetesClientConfiguration cluster,
        TimeSpan? timeout = null, TimeProvider? time = null)
    {
        _user = user;
        _exec = exec;
        _cluster = cluster;
        _timeout = timeout ?? DefaultTimeout;
        _time = time ?? TimeProvider.System;
        if (string.IsNullOrWhiteSpace(exec.Command))
        {
            throw Error("has an exec section without a command");
        }
        if (string.IsNullOrWhiteSpace(exec.ApiVersion))
        {
            throw Error($"runs \"{exec.Command}\" without an exec apiVersion (e.g. client.authentication.k8s.io/v1)");
        }
        if (string.Equals(interactiveMode, "Always", StringComparison.OrdinalIgnoreCase))
        {
            throw Error($"runs \"{exec.Command}\" with interactiveMode: Always, but Konnect has no terminal to give it; use a plugin " +
                "or flags that need no prompt (interactiveMode: Never)");
        }
    }

    /// <summary>The plugin's executable, for messages (its arguments are not shown: they may carry secrets).</summary>
    public string Command => _exec.Command;

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        if (Current() is { } token) { return new AuthenticationHeaderValue("Bearer", token); }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Another request may have run the plugin while this one waited.
            if (Current() is { } fresh) { return new AuthenticationHeaderValue("Bearer", fresh); }
            var (value, expires) = await RunAsync(cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var renewAt = expires is { } at ? at - TimeSpan.FromTicks(Math.Min(RenewBefore.Ticks, Math.Max(0, (at - now).Ticks / 2))) : (DateTimeOffset?)null;
            _credential = new Credential(value, renewAt);
            return new AuthenticationHeaderValue("Bearer", value);
        }
        finally
        {
            _gate.Release();
        }
    }

    private string? Current() => _credential is { } credential && (credential.RenewAt is not { } renew || _time.GetUtcNow() < renew) ? credential.Token : null;

    private async Task<(string Token, DateTimeOffset? Expires)> RunAsync(CancellationToken cancellationToken)
    {
        using var process = new Process { StartInfo = StartInfo() };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException)
        {
            var hint = string.IsNullOrWhiteSpace(_exec.InstallHint) ? "" : $" ({_exec.InstallHint.Trim()})";
            throw Error($"runs \"{Command}\", which could not be started: {e.Message}{hint}");
        }
        // Nothing to read: a plugin that prompts gets end-of-file at once instead of waiting for a person.
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { /* it exited just now */ }
            cancellationToken.ThrowIfCancellationRequested();
            throw Error($"runs \"{Command}\", which did not answer within {_timeout.TotalSeconds:0.#} s and was stopped");
        }
        var stdout = await output.ConfigureAwait(false);
        var stderr = await errors.ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw Error($"runs \"{Command}\", which exited with status {process.ExitCode}{FirstLine(stderr)}");
        }
        return Parse(stdout);
    }

    private ProcessStartInfo StartInfo()
    {
        var start = new ProcessStartInfo(_exec.Command)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in _exec.Arguments ?? []) { start.ArgumentList.Add(argument); }
        foreach (var variable in _exec.EnvironmentVariables ?? [])
        {
            if (variable.TryGetValue("name", out var name) && variable.TryGetValue("value", out var value)) { start.Environment[name] = value; }
        }
        start.Environment["KUBERNETES_EXEC_INFO"] = ExecInfo();
        return start;
    }

    /// <summary>The ExecCredential a plugin reads from KUBERNETES_EXEC_INFO: never interactive; the cluster when asked for.</summary>
    private string ExecInfo()
    {
        var spec = new JsonObject { ["interactive"] = false };
        if (_exec.ProvideClusterInfo)
        {
            var cluster = new JsonObject { ["server"] = _cluster.Host };
            if (!string.IsNullOrEmpty(_cluster.TlsServerName)) { cluster["tls-server-name"] = _cluster.TlsServerName; }
            if (_cluster.SkipTlsVerify) { cluster["insecure-skip-tls-verify"] = true; }
            if (_cluster.SslCaCerts is { Count: > 0 } cas)
            {
                var pem = string.Concat(cas.Select(c => c.ExportCertificatePem() + "\n"));
                cluster["certificate-authority-data"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(pem));
            }
            spec["cluster"] = cluster;
        }
        return new JsonObject { ["apiVersion"] = _exec.ApiVersion, ["kind"] = "ExecCredential", ["spec"] = spec }.ToJsonString();
    }

    private (string Token, DateTimeOffset? Expires) Parse(string stdout)
    {
        ExecCredentialResponse? credential;
        try
        {
            credential = KubernetesJson.Deserialize<ExecCredentialResponse>(stdout);
        }
        catch (JsonException e)
        {
            // The reader's own message (what and where), never the text: it would hold the token.
            throw Error($"runs \"{Command}\", which printed something that is not an ExecCredential JSON object ({e.Message.Split('\n')[0]})");
        }
        if (credential?.ApiVersion != _exec.ApiVersion)
        {
            throw Error($"runs \"{Command}\", which answered with apiVersion \"{credential?.ApiVersion}\" where the kubeconfig asks for \"{_exec.ApiVersion}\"");
        }
        if (string.IsNullOrEmpty(credential.Status?.Token))
        {
            var why = credential.Status?.ClientCertificateData is not null
                ? "a client certificate, which Konnect does not take from plugins yet; use a plugin that issues tokens"
                : "no status.token";
            throw Error($"runs \"{Command}\", which returned {why}");
        }
        DateTimeOffset? expires = credential.Status.ExpirationTimestamp is { } at
            ? new DateTimeOffset(DateTime.SpecifyKind(at, at.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : at.Kind)).ToUniversalTime()
            : null;
        return (credential.Status.Token, expires);
    }

    private static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() is { } line
            ? ": " + (line.Length > 300 ? line[..300] + "..." : line)
            : "";

    private sealed record Credential(string Token, DateTimeOffset? RenewAt);

    private KubeConfigException Error(string what) => new($"kubeconfig user \"{_user}\" {what}.");
}
