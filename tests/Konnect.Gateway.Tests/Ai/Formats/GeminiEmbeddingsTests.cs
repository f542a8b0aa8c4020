using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Konnect.Gateway.Ai.Formats;

namespace Konnect.Gateway.Tests.Ai.Formats;

public sealed class GeminiEmbeddingsTests
{
    [Fact]
    public void FromEmbeddingsRequest_StringInput_GivesOneEmbedRequest()
    {
        var request = GeminiAssert.Parse("""{"model":"text-embedding-004","input":"The quick brown fox"}""");

        GeminiAssert.Json("""
            {"requests":[{"model":"models/text-embedding-004","content":{"parts":[{"text":"The quick brown fox"}]}}]}
            """, GeminiEmbeddings.FromEmbeddingsRequest(request, "text-embedding-004"));
    }

    [Fact]
    public void FromEmbeddingsRequest_ArrayWithDimensions_GivesOneRequestPerTextInOrder()
    {
        var request = GeminiAssert.Parse("""{"input":["first","second"],"dimensions":256,"encoding_format":"float"}""");

        GeminiAssert.Json("""
            {"requests":[
              {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"first"}]},"outputDimensionality":256},
              {"model":"models/gemini-embedding-001","content":{"parts":[{"text":"second"}]},"outputDimensionality":256}]}
            """, GeminiEmbeddings.FromEmbeddingsRequest(request, "models/gemini-embedding-001"));
    }

    [Theory]
    [InlineData("""{"input":[1,2,3]}""", "input[0]")]
    [InlineData("""{"input":[[1,2],[3]]}""", "input[0]")]
    [InlineData("""{"input":["ok",7]}""", "input[1]")]
    [InlineData("""{"input":[]}""", "input")]
    [InlineData("""{"model":"x"}""", "input")]
    [InlineData("""{"input":42}""", "input")]
    [InlineData("""{"input":"x","dimensions":0}""", "dimensions")]
    [InlineData("""{"input":"x","dimensions":"big"}""", "dimensions")]
    [InlineData("""{"input":"x","encoding_format":"int8"}""", "encoding_format")]
    public void FromEmbeddingsRequest_Untranslatable_ThrowsFormatExceptionNamingTheField(string json, string field)
    {
        var ex = Assert.Throws<FormatException>(() => GeminiEmbeddings.FromEmbeddingsRequest(GeminiAssert.Parse(json), "gemini-embedding-001"));

        Assert.StartsWith(field + " ", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gemini-embedding-001", "models/gemini-embedding-001:batchEmbedContents")]
    [InlineData("models/text-embedding-004", "models/text-embedding-004:batchEmbedContents")]
    public void Path_Model_GivesBatchEmbedContents(string model, string expected)
    {
        Assert.Equal(expected, GeminiEmbeddings.Path(model));
    }

    [Fact]
    public void ToEmbeddingsResponse_Embeddings_GivesOpenAiListWithUsage()
    {
        var response = GeminiAssert.Parse("""{"embeddings":[{"values":[0.25,-0.5,1]},{"values":[0.125,0,-1]}]}""");

        GeminiAssert.Json("""
            {"object":"list",
             "data":[{"object":"embedding","index":0,"embedding":[0.25,-0.5,1]},{"object":"embedding","index":1,"embedding":[0.125,0,-1]}],
             "model":"gemini-embedding-001",
             "usage":{"prompt_tokens":11,"total_tokens":11}}
            """, GeminiEmbeddings.ToEmbeddingsResponse(response, "gemini-embedding-001", 11));
    }

    [Fact]
    public void ToEmbeddingsResponse_Base64_GivesLittleEndianFloat32Vectors()
    {
        var response = GeminiAssert.Parse("""{"embeddings":[{"values":[0.25,-0.5,1.5]}]}""");

        var result = GeminiEmbeddings.ToEmbeddingsResponse(response, "gemini-embedding-001", 3, base64: true);

        var bytes = Convert.FromBase64String(result["data"]![0]!["embedding"]!.GetValue<string>());
        var floats = Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))).ToArray();
        Assert.Equal([0.25f, -0.5f, 1.5f], floats);
    }

    [Theory]
    [InlineData("""{"encoding_format":"base64","input":"x"}""", true)]
    [InlineData("""{"encoding_format":"float","input":"x"}""", false)]
    [InlineData("""{"input":"x"}""", false)]
    public void WantsBase64_EncodingFormat_SaysWhetherVectorsGoAsBase64(string json, bool expected)
    {
        Assert.Equal(expected, GeminiEmbeddings.WantsBase64(GeminiAssert.Parse(json)));
    }

    [Fact]
    public void ToEmbeddingsResponse_NoEmbeddings_ThrowsInvalidOperation()
    {
        Assert.Throws<InvalidOperationException>(() => GeminiEmbeddings.ToEmbeddingsResponse(new JsonObject(), "m", 0));
    }
}
