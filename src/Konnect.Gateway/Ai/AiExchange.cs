using System.Text.Json;
using System.Text.Json.Nodes;
using Konnect.Gateway.Ai.Formats;
using Konnect.Gateway.Ai.Providers;
using Konnect.Gateway.Ai.Quotas;
using Konnect.Gateway.Ai.Relay;
using Konnect.Gateway.Ai.Tokens;
using Konnect.Gateway.Errors;
using Konnect.Gateway.Policies.Authentication;
using Konnect.Gateway.Routing;
using Microsoft.AspNetCore.Http;

namespace Konnect.Gateway.Ai;

/// <summary>
/// One AI call from admission to settlement: the model name picks the targets, the guard checks the prompt, the cap
/// bounds the answer, the quotas reserve the prompt (its bound, or its count when the bound does not fit) plus the cap,
/// the providers are tried in order, the answer is relayed (streamed or not), and the reservation is settled to the
/// usage the answer reported (or the gateway's count of prompt and answer when it reported none).
/// </summary>
internal sealed class AiExchange(ProviderCaller caller, QuotaLedgers ledgers, AiMetrics metrics)
{
    /// <param name="hub">The call as an OpenAI chat (or embeddings) request; changed in place (guard masks, cap).</param>
    /// <param name="relay">What to do with the answer; null relays it in the front's shape.</param>
    public async Task RunAsync(HttpContext context, AiRule rule, MatchedRoute matched, AiFront front, JsonObject hub, Func<HttpContext, AiCall, ProviderAnswer, Task>? relay = null)
    {
        var api = front.Api();
        if (hub["model"] is not JsonValue modelValue || !modelValue.TryGetValue<string>(out var requested) || requested.Length == 0)
        {
            await AiApiErrorResponse.WriteAsync(context, api, 400, $"The request names no model; this route serves: {rule.ModelNames}.", "model-required").ConfigureAwait(false);
            return;
        }
        if (rule.Find(requested) is not { } route)
        {
            await AiApiErrorResponse.WriteAsync(context, api, 404, $"The model '{requested}' is not served here; this route serves: {rule.ModelNames}.", "model_not_found").ConfigureAwait(false);
            return;
        }
        var stream = front != AiFront.OpenAIEmbeddings && hub["stream"] is JsonValue s && s.GetValueKind() == JsonValueKind.True;
        var attempts = AiRule.Attempts(route);
        // The first target's model decides the tokenizer (a fallback's usage is reported by its provider anyway).
        var countModel = attempts[0].Model;
        var embeddings = front == AiFront.OpenAIEmbeddings;
        var call = new AiCall(rule, front, hub, requested, route)
        {
            Stream = stream,
            ClientWantsUsage = front == AiFront.OpenAIChat && hub["stream_options"]?["include_usage"] is JsonValue u && u.GetValueKind() == JsonValueKind.True,
            CountInput = embeddings ? () => CountEmbeddingsInput(hub, countModel) : () => PromptTokens.CountChat(hub, countModel),
        };
        context.Features.Set(call);
        call.ProviderModel = countModel;

        if (!embeddings)
        {
            if (rule.Guard?.Apply(hub) is { } refusal)
            {
                call.Error = "guard";
                metrics.GuardRefused(matched);
                await AiApiErrorResponse.WriteAsync(context, api, 400, refusal, "prompt-refused").ConfigureAwait(false);
                return;
            }
            try
            {
                call.MaxTokens = OpenAiChat.ApplyCap(hub, rule.Model.MaxTokens);
            }
            catch (FormatException e)
            {
                await AiApiErrorResponse.WriteAsync(context, api, 400, e.Message, "invalid-request").ConfigureAwait(false);
                return;
            }
        }

        QuotaReservation? reservation = null;
        if (rule.Model.Quotas.Count > 0)
        {
            var admission = await ReserveAsync(ledgers.For(matched.RouteId, rule.Model), Subject(context, matched, requested), call, embeddings ? EmbeddingsBound(hub) : PromptTokens.BoundChat(hub)).ConfigureAwait(false);
            if (admission is QuotaAdmission.Refused refused)
            {
                call.Error = "quota";
                await RefuseAsync(context, api, refused).ConfigureAwait(false);
                return;
            }
            reservation = ((QuotaAdmission.Admitted)admission).Reservation;
            if (reservation.Limit > 0)
            {
                context.Response.Headers["RateLimit-Limit"] = reservation.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Response.Headers["RateLimit-Remaining"] = Math.Max(reservation.Remaining, 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        try
        {
            var operation = front == AiFront.OpenAIEmbeddings ? AiOperation.Embeddings : AiOperation.Chat;
            // The provider's body is about the client's: its buffer is sized once.
            var sizeHint = (int)Math.Clamp(context.Request.ContentLength ?? 4096, 256, AiMiddleware.MaxBodyBytes);
            var next = 0;
            while (true)
            {
                ProviderAnswer? answer;
                ProviderFailure? failure;
                try
                {
                    (answer, failure) = await caller.CallAsync(rule, attempts.GetRange(next, attempts.Count - next), operation, hub, stream, call.MaxTokens, sizeHint, context.RequestAborted).ConfigureAwait(false);
                }
                catch (FormatException e)
                {
                    await AiApiErrorResponse.WriteAsync(context, api, 400, e.Message, "invalid-request").ConfigureAwait(false);
                    return;
                }
                if (answer is null)
                {
                    call.Error = failure!.Code;
                    if (failure.RetryAfter is { } retryAfter)
                    {
                        context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    }
                    await AiApiErrorResponse.WriteAsync(context, api, failure.Status, failure.Message, failure.Code).ConfigureAwait(false);
                    return;
                }
                using (answer.Response)
                {
                    call.Provider = answer.Provider.Model.Name;
                    call.ProviderType = answer.Provider.Model.Type;
                    call.ProviderModel = answer.Model;
                    call.Attempts += answer.Attempts;
                    if (await RelayAsync(context, call, answer, relay, api).ConfigureAwait(false)) { return; }
                }
                // The stream broke before its first event reached the client: go on with the next target, if any.
                next += answer.Target + 1;
                if (next >= attempts.Count)
                {
                    await AiApiErrorResponse.WriteAsync(context, api, 502, call.Error ?? "The provider's stream broke off.", "provider-stream-broken").ConfigureAwait(false);
                    return;
                }
                call.Error = null;
                call.Usage = null;
            }
        }
        finally
        {
            if (reservation is not null)
            {
                // Settled to what the provider reported (or the gateway counted); a call that got no answer gives it all back.
                if (call.Usage is { } used) { await reservation.SettleAsync(used, call.ProviderModel ?? requested).ConfigureAwait(false); }
                else { await reservation.ReleaseAsync().ConfigureAwait(false); }
            }
            metrics.Record(matched, call, Consumer(context));
            Report(context, call);
        }
    }

    /// <returns>False when a stream failed before its first event reached the client (nothing written).</returns>
    private static async Task<bool> RelayAsync(HttpContext context, AiCall call, ProviderAnswer answer, Func<HttpContext, AiCall, ProviderAnswer, Task>? relay, AiApi api)
    {
        try
        {
            if (relay is not null) { await relay(context, call, answer).ConfigureAwait(false); }
            else if (call.Stream) { return await StreamRelay.RelayAsync(context, call, answer).ConfigureAwait(false); }
            else { await AnswerRelay.RelayAsync(context, call, answer).ConfigureAwait(false); }
        }
        catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException && !context.Response.HasStarted)
        {
            // The provider answered something its own format does not allow: the gateway's problem to report, not the client's.
            call.Error = "provider-answer-invalid";
            await AiApiErrorResponse.WriteAsync(context, api, 502, $"Provider {call.Provider} answered with something Konnect could not read: {e.Message}", "provider-answer-invalid").ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>
    /// Reserves the prompt and the output cap. The prompt is first reserved as its bound (its UTF-8 length, never fewer
    /// than its tokens), which needs no tokenizer; only when that does not fit is it counted, and the exact count tried.
    /// Either way the reservation is at least what the call can use, so concurrent calls still cannot overshoot.
    /// </summary>
    private static async ValueTask<QuotaAdmission> ReserveAsync(QuotaLedger ledger, QuotaSubject subject, AiCall call, long bound)
    {
        var model = call.ProviderModel!;
        var admission = await ledger.ReserveAsync(subject, bound, call.MaxTokens, model).ConfigureAwait(false);
        if (admission is QuotaAdmission.Refused { Unavailable: false } && call.InputTokens < bound)
        {
            admission = await ledger.ReserveAsync(subject, call.InputTokens, call.MaxTokens, model).ConfigureAwait(false);
        }
        return admission;
    }

    /// <summary>The call's figures for the access log, and as GenAI attributes on the request's server span.</summary>
    private static void Report(HttpContext context, AiCall call)
    {
        if (context.Features.Get<RequestTelemetry>() is not { } telemetry) { return; }
        var provider = call.ProviderType is { } type ? AiMetrics.ProviderName(type) : null;
        telemetry.Ai = new AiCallSummary(call.Provider, call.RequestedModel, call.ResponseModel, call.Usage?.Input, call.Usage?.Output,
            call.Usage?.Estimated ?? false, call.TimeToFirstToken?.TotalMilliseconds);
        if (telemetry.ServerSpan is not { } span) { return; }
        span.SetTag("gen_ai.operation.name", call.Front == AiFront.OpenAIEmbeddings ? "embeddings" : "chat");
        span.SetTag("gen_ai.provider.name", provider);
        span.SetTag("gen_ai.request.model", call.RequestedModel);
        span.SetTag("gen_ai.response.model", call.ResponseModel);
        if (call.Usage is { } usage)
        {
            span.SetTag("gen_ai.usage.input_tokens", usage.Input);
            span.SetTag("gen_ai.usage.output_tokens", usage.Output);
            span.SetTag("konnect.ai.usage_estimated", usage.Estimated);
        }
        if (call.TimeToFirstToken is { } ttft) { span.SetTag("konnect.ai.time_to_first_token_ms", ttft.TotalMilliseconds); }
        if (call.Error is { } error) { span.SetTag("error.type", error); }
    }

    private static QuotaSubject Subject(HttpContext context, MatchedRoute matched, string model)
    {
        var groups = context.Request.Headers[ConsumerIdentity.GroupsHeaderName].ToString();
        return new QuotaSubject(Consumer(context), groups.Length == 0 ? [] : groups.Split(','), matched.RouteId, model);
    }

    /// <summary>The authenticated consumer, or the client address for callers without one.</summary>
    internal static string Consumer(HttpContext context) =>
        context.Request.Headers[ConsumerIdentity.Header].ToString() is { Length: > 0 } consumer
            ? consumer
            : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static Task RefuseAsync(HttpContext context, AiApi api, QuotaAdmission.Refused refused)
    {
        var headers = context.Response.Headers;
        var reset = Math.Max(1, (int)Math.Ceiling(refused.ResetAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (refused.Unavailable)
        {
            return AiApiErrorResponse.WriteAsync(context, api, 503, "The token quota cannot be checked right now.", "quota-unavailable");
        }
        headers["RateLimit-Limit"] = refused.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = Math.Max(refused.Remaining, 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        headers["RateLimit-Reset"] = reset;
        headers.RetryAfter = reset;
        var what = refused.IsCost ? $"spend of {refused.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture)} per month"
            : $"{refused.Limit.ToString(System.Globalization.CultureInfo.InvariantCulture)} tokens per {refused.Period.ToString().ToLowerInvariant()}";
        return AiApiErrorResponse.WriteAsync(context, api, 429,
            $"The token quota ({what}, counted per {Key(refused.Key)}) has no room for this call; it resets in {reset}s.", "insufficient_quota");
    }

    private static string Key(Konnect.Api.V1Alpha1.AiQuotaKey key) => key switch
    {
        Konnect.Api.V1Alpha1.AiQuotaKey.ConsumerGroup => "consumer group",
        Konnect.Api.V1Alpha1.AiQuotaKey.Route => "route",
        Konnect.Api.V1Alpha1.AiQuotaKey.Model => "model",
        _ => "consumer",
    };

    /// <summary>The bound of <see cref="CountEmbeddingsInput"/>: each string's UTF-8 length.</summary>
    private static long EmbeddingsBound(JsonObject request) => request["input"] switch
    {
        JsonValue v when v.TryGetValue<string>(out var text) => PromptTokens.BoundText(text),
        JsonArray items => items.Sum(i => i switch
        {
            JsonValue v when v.TryGetValue<string>(out var text) => PromptTokens.BoundText(text),
            JsonArray tokens => tokens.Count,
            _ => 1,
        }),
        _ => 0,
    };

    /// <summary>Tokens of an embeddings request's input: a string or an array of strings (token arrays count as given).</summary>
    private static long CountEmbeddingsInput(JsonObject request, string model) => request["input"] switch
    {
        JsonValue v when v.TryGetValue<string>(out var text) => PromptTokens.CountText(text, model),
        JsonArray items => items.Sum(i => i switch
        {
            JsonValue v when v.TryGetValue<string>(out var text) => (long)PromptTokens.CountText(text, model),
            JsonArray tokens => tokens.Count,
            _ => 1,
        }),
        _ => 0,
    };
}
