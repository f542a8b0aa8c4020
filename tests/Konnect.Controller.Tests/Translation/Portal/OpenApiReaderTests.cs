using Konnect.Controller.Translation;
using Konnect.Controller.Translation.Portal;

namespace Konnect.Controller.Tests.Translation.Portal;

/// <summary>
/// What the portal shows of an OpenAPI document: operations with their parameters (path-level ones included), request
/// body and answers, schemas as outlines with $refs followed; and what happens to a document that cannot be shown:
/// not JSON or YAML, not OpenAPI, over the size limit, a YAML alias bomb, a schema that refers to itself.
/// </summary>
public sealed class OpenApiReaderTests
{
    private static string SampleDocument()
    {
        // The document of samples/platform, as a user would write it: the ConfigMap's data, unindented.
        var yaml = File.ReadAllText(Path.Combine(Konnect.Testing.Repo.Root, "samples/platform/openapi.yaml"));
        var start = yaml.IndexOf("  v2.yaml: |\n", StringComparison.Ordinal) + "  v2.yaml: |\n".Length;
        return string.Join('\n', yaml[start..].Split('\n').Select(l => l.Length >= 4 ? l[4..] : l.Trim()));
    }

    [Fact]
    public void SampleDocument_OperationsWithParametersBodiesAndSchemaOutlines()
    {
        var result = OpenApiReader.Read(SampleDocument());

        Assert.Null(result.Problem);
        var document = result.Document!;
        Assert.Equal("Product catalog", document.Title);
        Assert.Equal(["GET /v2/products", "POST /v2/products", "GET /v2/products/{sku}"], document.Operations.Select(o => $"{o.Method} {o.Path}"));

        var list = document.Operations[0];
        Assert.Equal("List products", list.Summary);
        Assert.Equal(["q:query:string, at most 100 characters", "limit:query:integer, 1..100"],
            list.Parameters.Select(p => $"{p.Name}:{p.In}:{p.Schema}"));
        Assert.Equal("array of Product", list.Responses.Single().Schema);

        var create = document.Operations[1];
        Assert.True(create.RequestBody!.Required);
        Assert.Equal("application/json", create.RequestBody.MediaType);
        Assert.Equal("""
            Product {
              sku*: string
              name*: string, at most 200 characters
              price*: Money {
                amount*: string (decimal)
                currency*: string: "EUR" | "USD" | "GBP"
              }
              stock: integer, 0..
              tags: array of string
            }
            """.ReplaceLineEndings("\n"), create.RequestBody.Schema);
        Assert.Equal(["201", "401"], create.Responses.Select(r => r.Status));

        // A path-level parameter applies to the path's operations.
        var get = document.Operations[2];
        var sku = Assert.Single(get.Parameters);
        Assert.Equal(("sku", "path", true), (sku.Name, sku.In, sku.Required));
    }

    [Fact]
    public void Json_ReadAsWellAsYaml()
    {
        var result = OpenApiReader.Read("""
            { "openapi": "3.0.3", "info": { "title": "T", "version": "1" },
              "paths": { "/ping": { "get": { "summary": "Ping", "responses": { "204": { "description": "Pong" } } } } } }
            """);

        Assert.Equal("GET /ping Ping 204", string.Join(' ', result.Document!.Operations.Select(o => $"{o.Method} {o.Path} {o.Summary} {o.Responses[0].Status}")));
    }

    [Theory]
    [InlineData("openapi: [unclosed", "not JSON or YAML")]
    [InlineData("{ \"openapi\": ", "not JSON or YAML")]
    [InlineData("title: a plain YAML file\n", "no 'openapi'")]
    [InlineData("- a\n- list\n", "no 'openapi'")]
    [InlineData("openapi: 3.1.0\n---\nopenapi: 3.1.0\n", "more than one YAML document")]
    public void NotAnOpenApiDocument_InvalidDocument_SayingWhy(string text, string expected)
    {
        var result = OpenApiReader.Read(text);

        Assert.Null(result.Document);
        Assert.Equal(Reasons.InvalidDocument, result.Reason);
        Assert.Contains(expected, result.Problem);
    }

    [Fact]
    public void OverTheLimit_DocumentTooLarge_NamingBothSizes()
    {
        var text = "openapi: 3.1.0\ninfo: { title: big, version: '1' }\ndescription: " + new string('x', OpenApiReader.MaxBytes) + "\npaths: {}\n";

        var result = OpenApiReader.Read(text);

        Assert.Equal(Reasons.DocumentTooLarge, result.Reason);
        Assert.Contains("at most 1,048,576", result.Problem);
    }

    [Fact]
    public void AliasBomb_RefusedByTheYamlLimits_NotExpanded()
    {
        var lines = new List<string> { "openapi: 3.1.0", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i < 12; i++) { lines.Add($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]"); }

        var result = OpenApiReader.Read(string.Join('\n', lines));

        Assert.Equal(Reasons.InvalidDocument, result.Reason);
    }

    [Fact]
    public void SchemaThatRefersToItself_OutlinedOnce_NamedWhereItRecurs()
    {
        var result = OpenApiReader.Read("""
            openapi: 3.1.0
            info: { title: tree, version: "1" }
            paths:
              /nodes:
                post:
                  requestBody: { content: { application/json: { schema: { $ref: "#/components/schemas/Node" } } } }
                  responses: { "200": { description: ok } }
            components:
              schemas:
                Node:
                  type: object
                  properties:
                    name: { type: string }
                    children: { type: array, items: { $ref: "#/components/schemas/Node" } }
                    parent: { $ref: "#/components/schemas/Node" }
            """);

        Assert.Equal("""
            Node {
              name: string
              children: array of Node
              parent: Node {…}
            }
            """.ReplaceLineEndings("\n"), result.Document!.Operations.Single().RequestBody!.Schema);
    }

    [Fact]
    public void RefCycle_InvalidDocument_NotAnEndlessWalk()
    {
        var result = OpenApiReader.Read("""
            openapi: 3.1.0
            info: { title: cycle, version: "1" }
            paths:
              /a:
                post:
                  requestBody: { content: { application/json: { schema: { $ref: "#/components/schemas/A" } } } }
                  responses: { "200": { description: ok } }
            components:
              schemas:
                A: { $ref: "#/components/schemas/B" }
                B: { $ref: "#/components/schemas/A" }
            """);

        Assert.Equal(Reasons.InvalidDocument, result.Reason);
        Assert.Contains("Circular reference", result.Problem);
    }

    [Fact]
    public void SmallDocumentDescribingHugeOutlines_Bounded()
    {
        // X has 80 properties, each a $ref to Y, a oneOf of long inline enums; 300 operations each use X in the request and
        // in 30 answers (one $ref'd response). Expanded without bounds this is gigabytes of outline from under 1 MiB.
        var enumValues = string.Join(", ", Enumerable.Range(0, 10).Select(i => $"\"{new string('v', 60)}{i}\""));
        var y = $"oneOf: [{string.Join(", ", Enumerable.Range(0, 10).Select(_ => $"{{ type: string, enum: [{enumValues}] }}"))}]";
        var x = string.Join("\n", Enumerable.Range(0, 80).Select(i => $"        p{i}: {{ $ref: \"#/components/schemas/Y\" }}"));
        var answers = string.Join(", ", Enumerable.Range(200, 30).Select(s => $"\"{s}\": {{ $ref: \"#/components/responses/R\" }}"));
        var paths = string.Concat(Enumerable.Range(0, 300).Select(i =>
            $"  /p{i}:\n    post: {{ requestBody: {{ content: {{ application/json: {{ schema: {{ $ref: \"#/components/schemas/X\" }} }} }} }}, responses: {{ {answers} }} }}\n"));
        var text = $"openapi: 3.1.0\ninfo: {{ title: fan-out, version: '1' }}\npaths:\n{paths}components:\n"
            + "  responses:\n    R: { description: ok, content: { application/json: { schema: { $ref: \"#/components/schemas/X\" } } } }\n"
            + $"  schemas:\n    Y: {{ {y} }}\n    X:\n      type: object\n      properties:\n{x}\n";

        var result = OpenApiReader.Read(text);

        Assert.True(result.Document is not null, result.Problem);
        var outlines = result.Document.Operations.SelectMany(o => o.Responses.Select(r => r.Schema).Append(o.RequestBody?.Schema)).OfType<string>().ToList();
        // The budget, the one outline that crossed it, then the explanation once and a character for each left out.
        Assert.True(outlines.Sum(o => o.Length) <= SchemaOutline.MaxDocument + SchemaOutline.MaxTree + SchemaOutline.LeftOut.Length + outlines.Count,
            $"{outlines.Sum(o => o.Length)} characters of outline");
        Assert.All(outlines, o => Assert.True(o.Length <= SchemaOutline.MaxTree + 2 * SchemaOutline.MaxLine));
        Assert.Contains(outlines, o => o.StartsWith("(left out", StringComparison.Ordinal));
        Assert.All(outlines.SelectMany(o => o.Split('\n')), line => Assert.True(line.Length <= SchemaOutline.MaxLine + 120));
    }

    [Fact]
    public void ManyOperations_CutAtTheLimit_CountingTheRest()
    {
        var paths = string.Concat(Enumerable.Range(0, OpenApiReader.MaxOperations + 7).Select(i => $"  /p{i}:\n    get: {{ responses: {{ \"200\": {{ description: ok }} }} }}\n"));

        var document = OpenApiReader.Read($"openapi: 3.1.0\ninfo: {{ title: many, version: '1' }}\npaths:\n{paths}").Document!;

        Assert.Equal(OpenApiReader.MaxOperations, document.Operations.Count);
        Assert.Equal(7, document.OperationsOmitted);
    }

    [Fact]
    public void MarkupInText_KeptAsText_ForThePageToEncode()
    {
        var document = OpenApiReader.Read("""
            openapi: 3.1.0
            info: { title: "<script>alert(1)</script>", version: "1", description: "<img src=x onerror=alert(2)>" }
            paths: {}
            """).Document!;

        Assert.Equal("<script>alert(1)</script>", document.Title);
        Assert.Equal("<img src=x onerror=alert(2)>", document.Description);
    }
}
