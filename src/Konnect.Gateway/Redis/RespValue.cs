namespace Konnect.Gateway.Redis;

public enum RespKind { SimpleString, Error, Integer, BulkString, Array, Null }

/// <summary>One RESP2 reply. Bulk strings are decoded as UTF-8: the commands Konnect sends only read text and numbers.</summary>
public sealed class RespValue
{
    public static readonly RespValue Null = new(RespKind.Null);

    private RespValue(RespKind kind, string? text = null, long integer = 0, IReadOnlyList<RespValue>? items = null)
    {
        Kind = kind;
        Text = text;
        Integer = integer;
        Items = items ?? [];
    }

    public RespKind Kind { get; }
    /// <summary>Simple strings, errors and bulk strings.</summary>
    public string? Text { get; }
    public long Integer { get; }
    public IReadOnlyList<RespValue> Items { get; }

    public static RespValue Simple(string text) => new(RespKind.SimpleString, text);
    public static RespValue Error(string text) => new(RespKind.Error, text);
    public static RespValue Number(long value) => new(RespKind.Integer, integer: value);
    public static RespValue Bulk(string text) => new(RespKind.BulkString, text);
    public static RespValue Array(IReadOnlyList<RespValue> items) => new(RespKind.Array, items: items);

    public override string ToString() => Kind switch
    {
        RespKind.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RespKind.Array => $"[{string.Join(", ", Items)}]",
        RespKind.Null => "(nil)",
        _ => Text ?? "",
    };
}
