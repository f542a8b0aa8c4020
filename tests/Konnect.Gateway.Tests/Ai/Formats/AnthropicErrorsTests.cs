using System.Text.Json.Nodes;
using Konnect.Gateway.Ai.Formats;
using static Konnect.Gateway.Tests.Ai.Formats.AnthropicTestJson;

namespace Konnect.Gateway.Tests.Ai.Formats;

public sealed class AnthropicErrorsTests
{
    [Theory]
    [InlineData(400, "invalid_request_error")]
    [InlineData(401, "authentication_error")]
    [InlineData(402, "billing_error")]
    [InlineData(403, "permission_error")]
    [InlineData(404, "not_found_error")]
    [InlineData(413, "request_too_large")]
    [InlineData(422, "invalid_request_error")]
    [InlineData(429, "rate_limit_error")]
    [InlineData(500, "api_error")]
    [InlineData(502, "api_error")]
    [InlineData(503, "api_error")]
    [InlineData(504, "timeout_error")]
    [InlineData(529, "overloaded_error")]
    public void Body_Status_GivesAnthropicErrorType(int status, string type)
    {
        var body = AnthropicErrors.Body(status, "Something went wrong.");

        Equal($$$$"""{"type":"error","error":{"type":"{{{{type}}}}","message":"Something went wrong."}}""", body);
    }

    [Fact]
    public void Message_AnthropicErrorBody_GivesMessage()
    {
        var body = JsonNode.Parse("""
            {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_011"}
            """);

        Assert.Equal("Overloaded", AnthropicErrors.Message(body));
    }

    [Fact]
    public void Message_OwnBody_RoundTrips()
    {
        Assert.Equal("Too many tokens.", AnthropicErrors.Message(AnthropicErrors.Body(429, "Too many tokens.")));
    }

    [Theory]
    [InlineData("""{"type":"message","content":[]}""")]
    [InlineData("""{"type":"error","error":"flat string"}""")]
    [InlineData("""{"type":"error","error":{"type":"api_error","message":42}}""")]
    [InlineData("""["error"]""")]
    [InlineData("\"error\"")]
    public void Message_NotAnErrorBody_IsNull(string json)
    {
        Assert.Null(AnthropicErrors.Message(JsonNode.Parse(json)));
    }

    [Fact]
    public void Message_NullBody_IsNull()
    {
        Assert.Null(AnthropicErrors.Message(null));
    }
}
