// A tiny upstream for `make run` and the quick start: answers every request with what it received, so a curl
// through Konnect shows which backend answered and what the gateway changed on the way. Under /v1 it is also an
// OpenAI-compatible stand-in model (ModelStandIn.cs) for trying the AI gateway without a provider account.
using System.Text.Json;
using System.Text.Json.Serialization;
using Konnect.Echo;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var name = builder.Configuration["name"] ?? Environment.GetEnvironmentVariable("ECHO_NAME") ?? "echo";
// --standin-delay-ms: the pause between streamed words (20 ms reads like a model typing; 0 for benchmarks).
var wordDelay = int.TryParse(builder.Configuration["standin-delay-ms"], out var ms) && ms >= 0 ? ms : 20;
// --standin-usage zero: report 0 tokens used (make bench keeps a quota close to its limit with it).
var zeroUsage = string.Equals(builder.Configuration["standin-usage"], "zero", StringComparison.OrdinalIgnoreCase);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, EchoJson.Default));

var app = builder.Build();
app.Use(new ModelStandIn(name, TimeSpan.FromMilliseconds(wordDelay), zeroUsage).InvokeAsync);
app.Run(async context =>
{
    var request = context.Request;
    var reply = new EchoReply(
        name,
        request.Method,
        request.Path.Value ?? "/",
        request.QueryString.Value ?? "",
        request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()));
    context.Response.Headers["x-echo-backend"] = name;
    await context.Response.WriteAsJsonAsync(reply, EchoJson.Default.EchoReply);
});
app.Run();

internal sealed record EchoReply(string Backend, string Method, string Path, string Query, Dictionary<string, string> Headers);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(EchoReply))]
internal sealed partial class EchoJson : JsonSerializerContext;
