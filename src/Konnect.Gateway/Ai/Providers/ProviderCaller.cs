using System.Net;
using System.Text.Json.Nodes;
using Konnect.Api.V1Alpha1;
using Konnect.Gateway.Ai.Formats;
using Konnect.Model;
using Microsoft.Extensions.Logging;

namespace Konnect.Gateway.Ai.Providers;

/// <summary>A provider answered with a success status; the caller reads (or streams) the body.</summary>
/// <param name="Target">The index in the call's targets of the one that answered: a stream that fails before its first
/// event goes on from the next.</param>
internal sealed record ProviderAnswer(HttpResponseMessage Response, AiProvider Provider, string Model, int Attempts, int Target);

/// <summary>Every attempt failed; the last failure is what the client is told.</summary>
internal sealed record ProviderFailure(int Status, string Message, string Code, TimeSpan? RetryAfter = null);

/// <summary>
/// Tries a call's targets in order until one answers with a success status before its timeout. Connection failures,
/// timeouts, 429s and 5xx go on to the next target, except a 429, which rests the key and tries the provider's next key first; any other answer is final, since another provider would refuse the same request too. Nothing has reached
/// the client yet at this point, which is what makes failing over safe.
/// </summary>
internal sealed partial class ProviderCaller(HttpMessageInvoker client, ILogger<ProviderCaller> logger)
{
    public async Task<(ProviderAnswer? Answer, ProviderFailure? Failure)> CallAsync(
        AiRule rule, List<AiTargetModel> targets, AiOperation operation, JsonObject request, bool stream, int maxTokens, int sizeHint, CancellationToken aborted)
    {
        ProviderFailure? failure = null;
        var attempts = 0;
        for (var index = 0; index < targets.Count; index++)
        {
            var target = targets[index];
            var provider = rule.Providers[target.Provider];
            // Each key of the provider at most once per target: a throttled key is rested and the next one tried.
            for (var keyTry = 0; keyTry < Math.Max(provider.Keys.Count, 1); keyTry++)
            {
                if (!provider.Keys.TryTake(out var keyIndex, out var key, out var wait))
                {
                    failure = new ProviderFailure(429, $"Every API key of provider {provider.Model.Name} is resting after a 429 from it.", "provider-rate-limited", wait);
                    break;
                }
                attempts++;
                using var message = ProviderRequest.Build(provider.Model, key, target.Model, operation, request, stream, maxTokens, sizeHint);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
                timeout.CancelAfter(provider.Model.Timeout);
                HttpResponseMessage response;
                try
                {
                    response = await client.SendAsync(message, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    failure = new ProviderFailure(504, $"Provider {provider.Model.Name} sent no answer within {provider.Model.Timeout.TotalSeconds:0.###}s.", "provider-timeout");
                    LogAttemptFailed(logger, provider.Model.Name, target.Model, "timeout");
                    break;
                }
                catch (HttpRequestException e)
                {
                    failure = new ProviderFailure(502, $"Provider {provider.Model.Name} could not be reached ({e.HttpRequestError}).", "provider-unreachable");
                    LogAttemptFailed(logger, provider.Model.Name, target.Model, e.HttpRequestError.ToString());
                    break;
                }

                if (response.IsSuccessStatusCode)
                {
                    return (new ProviderAnswer(response, provider, target.Model, attempts, index), null);
                }

                using (response)
                {
                    var status = (int)response.StatusCode;
                    var detail = await ErrorMessageAsync(provider.Model.Type, response, aborted).ConfigureAwait(false);
                    LogAttemptFailed(logger, provider.Model.Name, target.Model, $"HTTP {status}");
                    if (status == 429)
                    {
                        var retryAfter = RetryAfter(response) ?? provider.Model.KeyCooldown;
                        provider.Keys.Rest(keyIndex, retryAfter);
                        failure = new ProviderFailure(429, $"Provider {provider.Model.Name} is rate limiting: {detail}", "provider-rate-limited", retryAfter);
                        continue;
                    }
                    if (status is 401 or 403)
                    {
                        // The provider refused the gateway's key: the client can do nothing about it, and the provider's
                        // text may quote part of the key.
                        return (null, new ProviderFailure(502, $"Provider {provider.Model.Name} refused the gateway's credentials (HTTP {status}); the platform team must check the provider's Secret.", "provider-credentials"));
                    }
                    if (status >= 500)
                    {
                        failure = new ProviderFailure(502, $"Provider {provider.Model.Name} failed (HTTP {status}): {detail}", "provider-error");
                        break;
                    }
                    return (null, new ProviderFailure(status, $"Provider {provider.Model.Name} refused the request: {detail}", "provider-refused"));
                }
            }
        }
        return (null, failure ?? new ProviderFailure(502, "No provider could be tried.", "provider-unreachable"));
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) { return delta; }
        if (header?.Date is { } date) { return date - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero; }
        return null;
    }

    /// <summary>The provider's own error text, bounded; never its body as a whole (it may echo the request).</summary>
    private static async Task<string> ErrorMessageAsync(AiProviderType type, HttpResponseMessage response, CancellationToken aborted)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(aborted).ConfigureAwait(false);
            var body = JsonNode.Parse(text.Length > 64 * 1024 ? text[..(64 * 1024)] : text);
            var message = type switch
            {
                AiProviderType.Anthropic => AnthropicErrors.Message(body),
                AiProviderType.Gemini => GeminiContents.ErrorMessage(body),
                _ => body?["error"]?["message"]?.GetValue<string>(),
            };
            return message is null ? $"HTTP {(int)response.StatusCode}" : message.Length > 500 ? message[..500] + "…" : message;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or HttpRequestException or IOException)
        {
            return $"HTTP {(int)response.StatusCode}";
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "AI provider {Provider} failed for model {Model}: {Cause}")]
    private static partial void LogAttemptFailed(ILogger logger, string provider, string model, string cause);
}
