using System.Buffers.Binary;
using System.Text.Json.Nodes;
using static Konnect.Gateway.Ai.Formats.GeminiJson;

namespace Konnect.Gateway.Ai.Formats;

/// <summary>OpenAI embeddings to and from Gemini batchEmbedContents: one embed request per input text, answered in order.</summary>
internal static class GeminiEmbeddings
{
    /// <summary>The batchEmbedContents body for an OpenAI embeddings request (input a string or an array of strings).</summary>
    public static JsonObject FromEmbeddingsRequest(JsonObject openAiEmbeddingsRequest, string model)
    {
        var inputs = Inputs(openAiEmbeddingsRequest["input"]);
        var dimensions = Integer(openAiEmbeddingsRequest["dimensions"], "dimensions");
        if (dimensions is <= 0) { throw new FormatException("dimensions must be positive"); }
        if (Str(openAiEmbeddingsRequest["encoding_format"]) is { } encoding && encoding is not ("float" or "base64"))
        {
            throw new FormatException($"encoding_format '{encoding}' is not float or base64");
        }

        var name = GeminiContents.ResourceName(model);
        var requests = new JsonArray();
        foreach (var text in inputs)
        {
            var request = new JsonObject
            {
                ["model"] = name,
                ["content"] = new JsonObject { ["parts"] = new JsonArray(new JsonObject { ["text"] = text }) },
            };
            if (dimensions is { } size) { request["outputDimensionality"] = size; }
            requests.Add(request);
        }
        return new JsonObject { ["requests"] = requests };
    }

    /// <summary>True when the client asked for base64 vectors (the OpenAI SDKs do unless told otherwise).</summary>
    public static bool WantsBase64(JsonObject openAiEmbeddingsRequest) => Str(openAiEmbeddingsRequest["encoding_format"]) == "base64";

    /// <summary>The path under the API version: "models/{model}:batchEmbedContents".</summary>
    public static string Path(string model) => GeminiContents.EscapedResourceName(model) + ":batchEmbedContents";

    /// <summary>
    /// A BatchEmbedContentsResponse as an OpenAI embeddings list. Gemini reports no token count here, so the caller
    /// gives <paramref name="promptTokens"/>. With <paramref name="base64"/> each vector is little-endian float32 in
    /// base64, as OpenAI answers encoding_format "base64" (SDKs that asked for it decode without checking).
    /// </summary>
    public static JsonObject ToEmbeddingsResponse(JsonObject response, string model, long promptTokens, bool base64 = false)
    {
        // Without this list there is nothing to answer with: a provider fault, not a client one.
        var embeddings = response["embeddings"] as JsonArray
            ?? throw new InvalidOperationException("Gemini answered batchEmbedContents without embeddings");
        var data = new JsonArray();
        for (var i = 0; i < embeddings.Count; i++)
        {
            var values = At(embeddings[i], "values") as JsonArray
                ?? throw new InvalidOperationException($"Gemini embedding {i} has no values");
            data.Add(new JsonObject
            {
                ["object"] = "embedding",
                ["index"] = i,
                ["embedding"] = base64 ? Base64(values) : values.DeepClone(),
            });
        }
        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = model,
            ["usage"] = new JsonObject { ["prompt_tokens"] = promptTokens, ["total_tokens"] = promptTokens },
        };
    }

    private static List<string> Inputs(JsonNode? input)
    {
        switch (input)
        {
            case null:
                throw new FormatException("input is required");
            case JsonArray list:
                if (list.Count == 0) { throw new FormatException("input must not be empty"); }
                var texts = new List<string>(list.Count);
                for (var i = 0; i < list.Count; i++)
                {
                    // Token ids belong to OpenAI's tokenizer; Gemini embeds text only.
                    texts.Add(Str(list[i]) ?? throw new FormatException($"input[{i}] must be a string: Gemini embeds text, not token arrays"));
                }
                return texts;
            default:
                return [Str(input) ?? throw new FormatException("input must be a string or an array of strings")];
        }
    }

    private static string Base64(JsonArray values)
    {
        var bytes = new byte[values.Count * sizeof(float)];
        for (var i = 0; i < values.Count; i++)
        {
            var value = values[i] is JsonValue v && v.TryGetValue<double>(out var d) ? (float)d : 0f;
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), value);
        }
        return Convert.ToBase64String(bytes);
    }
}
