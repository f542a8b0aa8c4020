using System.Text.Json;
using Konnect.Gateway.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Konnect.Gateway.Tests.Errors;

public sealed class LastResortMiddlewareTests
{
    [Fact]
    public async Task InvokeAsync_NextThrows_Answers500ProblemWithoutDetails()
    {
        var context = new DefaultHttpContext { TraceIdentifier = "req-1" };
        context.Response.Body = new MemoryStream();
        var middleware = new LastResortMiddleware(
            _ => throw new InvalidOperationException("connection string Password=hunter2"),
            NullLogger<LastResortMiddleware>.Instance);

        await middleware.InvokeAsync(context);

        Assert.Equal(500, context.Response.StatusCode);
        Assert.Equal(ProblemResponse.ContentType, context.Response.ContentType);
        Assert.Equal("req-1", context.Response.Headers["x-request-id"]);
        var body = System.Text.Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
        Assert.DoesNotContain("hunter2", body);
        Assert.DoesNotContain("InvalidOperationException", body);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("req-1", json.RootElement.GetProperty("requestId").GetString());
        Assert.Equal(500, json.RootElement.GetProperty("status").GetInt32());
    }
}
