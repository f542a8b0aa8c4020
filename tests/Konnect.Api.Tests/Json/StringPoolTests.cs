using System.Text.Json;
using Konnect.Api.Json;
using Konnect.Api.Kubernetes;

namespace Konnect.Api.Tests.Json;

/// <summary>
/// Decoded objects share one instance of each repeated short string; escaped and long strings decode to their value;
/// decoding errors read as System.Text.Json's own.
/// </summary>
public sealed class StringPoolTests
{
    private const string ServiceJson = """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"orders-NAME","namespace":"shop-pool-test","labels":{"app.kubernetes.io/part-of":"shop-pool-test"}},
         "spec":{"ports":[{"name":"http","port":80,"protocol":"TCP"}]}}
        """;

    [Fact]
    public void TwoDecodedObjects_ShareTheirRepeatedStrings()
    {
        var a = JsonSerializer.Deserialize(ServiceJson.Replace("NAME", "a", StringComparison.Ordinal), KonnectJsonContext.Default.Service)!;
        var b = JsonSerializer.Deserialize(ServiceJson.Replace("NAME", "b", StringComparison.Ordinal), KonnectJsonContext.Default.Service)!;

        Assert.Same(a.Metadata.Namespace, b.Metadata.Namespace);
        Assert.Same(a.Kind, b.Kind);
        Assert.Same(a.Spec.Ports![0].Protocol, b.Spec.Ports![0].Protocol);
        Assert.Same(a.Metadata.Labels!.Keys.Single(), b.Metadata.Labels!.Keys.Single());
        Assert.Same(a.Metadata.Labels!.Values.Single(), b.Metadata.Namespace);
        Assert.Equal(("orders-a", "orders-b"), (a.Metadata.Name, b.Metadata.Name));
    }

    [Fact]
    public void EscapedAndLongStrings_DecodeToTheirValue()
    {
        var longName = new string('x', StringPool.MaxLength + 10);
        var json = ServiceJson.Replace("orders-NAME", longName, StringComparison.Ordinal).Replace("shop-pool-test\"}", "sh\\u006fp\"}", StringComparison.Ordinal);
        var service = JsonSerializer.Deserialize(json, KonnectJsonContext.Default.Service)!;

        Assert.Equal(longName, service.Metadata.Name);
        Assert.Equal("shop", service.Metadata.Labels!.Values.Single());
        Assert.Same(StringPool.Get("shop"), service.Metadata.Labels!.Values.Single());
    }

    [Fact]
    public void ANumberWhereAStringBelongs_FailsWithThePathAsBefore()
    {
        var ex = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"metadata":{"name":42}}""", KonnectJsonContext.Default.Service));

        Assert.Equal("$.metadata.name", ex.Path);
        Assert.Contains("could not be converted to System.String", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_ReturnsOneInstancePerValue_AndNeverAWrongOne()
    {
        var first = StringPool.Get("pool-test-value".AsSpan());
        Assert.Same(first, StringPool.Get(new string("pool-test-value".AsSpan())));
        // Thousands of other strings evict slots; whatever comes back must still equal what was asked for.
        for (var i = 0; i < 50_000; i++)
        {
            var text = "v" + i;
            Assert.Equal(text, StringPool.Get(text.AsSpan()));
        }
        Assert.Equal("pool-test-value", StringPool.Get("pool-test-value".AsSpan()));
    }
}
