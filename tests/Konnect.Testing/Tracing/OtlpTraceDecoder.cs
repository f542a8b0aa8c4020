using System.Buffers.Binary;
using System.Text;

namespace Konnect.Testing.Tracing;

/// <summary>One span as the collector received it; ids are lowercase hex, attribute values as text.</summary>
public sealed record ReceivedSpan(
    string ServiceName,
    string Scope,
    string TraceId,
    string SpanId,
    string ParentSpanId,
    string Name,
    SpanKind Kind,
    int StatusCode,
    IReadOnlyDictionary<string, string> Attributes)
{
    public string? this[string attribute] => Attributes.TryGetValue(attribute, out var value) ? value : null;
}

/// <summary>Span.SpanKind of the OTLP proto.</summary>
public enum SpanKind { Unspecified = 0, Internal = 1, Server = 2, Client = 3, Producer = 4, Consumer = 5 }

/// <summary>
/// Decodes the few fields of an OTLP ExportTraceServiceRequest (opentelemetry/proto/collector/trace/v1) that tests
/// assert on, reading the protobuf wire format by hand: the feed has no OpenTelemetry.Proto. Field numbers below are
/// the proto's; every other field is skipped by its wire type.
/// </summary>
public static class OtlpTraceDecoder
{
    public static List<ReceivedSpan> Decode(ReadOnlySpan<byte> request)
    {
        var spans = new List<ReceivedSpan>();
        var reader = new ProtoReader(request);
        // ExportTraceServiceRequest: 1 = repeated ResourceSpans resource_spans
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthWire) { ReadResourceSpans(reader.Bytes(), spans); }
            else { reader.Skip(wire); }
        }

        return spans;
    }

    private static void ReadResourceSpans(ReadOnlySpan<byte> message, List<ReceivedSpan> spans)
    {
        // ResourceSpans: 1 = Resource resource, 2 = repeated ScopeSpans scope_spans. Resource may come after the scopes
        // on the wire, so scopes are kept as raw bytes until the service name is known.
        var service = "";
        var scopes = new List<byte[]>();
        var reader = new ProtoReader(message);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthWire)
            {
                // Resource: 1 = repeated KeyValue attributes
                var resource = new ProtoReader(reader.Bytes());
                while (resource.Next(out var f, out var w))
                {
                    if (f == 1 && w == ProtoReader.LengthWire && ReadKeyValue(resource.Bytes()) is ("service.name", var name)) { service = name; }
                    else if (f != 1 || w != ProtoReader.LengthWire) { resource.Skip(w); }
                }
            }
            else if (field == 2 && wire == ProtoReader.LengthWire) { scopes.Add(reader.Bytes().ToArray()); }
            else { reader.Skip(wire); }
        }

        foreach (var scope in scopes) { ReadScopeSpans(scope, service, spans); }
    }

    private static void ReadScopeSpans(ReadOnlySpan<byte> message, string service, List<ReceivedSpan> spans)
    {
        // ScopeSpans: 1 = InstrumentationScope scope (1 = name), 2 = repeated Span spans
        var scopeName = "";
        var raw = new List<byte[]>();
        var reader = new ProtoReader(message);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthWire)
            {
                var scope = new ProtoReader(reader.Bytes());
                while (scope.Next(out var f, out var w))
                {
                    if (f == 1 && w == ProtoReader.LengthWire) { scopeName = Encoding.UTF8.GetString(scope.Bytes()); }
                    else { scope.Skip(w); }
                }
            }
            else if (field == 2 && wire == ProtoReader.LengthWire) { raw.Add(reader.Bytes().ToArray()); }
            else { reader.Skip(wire); }
        }

        foreach (var span in raw) { spans.Add(ReadSpan(span, service, scopeName)); }
    }

    private static ReceivedSpan ReadSpan(ReadOnlySpan<byte> message, string service, string scope)
    {
        // Span: 1 = bytes trace_id, 2 = bytes span_id, 4 = bytes parent_span_id, 5 = string name, 6 = SpanKind kind,
        // 9 = repeated KeyValue attributes, 15 = Status status (3 = StatusCode code)
        string traceId = "", spanId = "", parent = "", name = "";
        var kind = SpanKind.Unspecified;
        var status = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new ProtoReader(message);
        while (reader.Next(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, ProtoReader.LengthWire): traceId = Convert.ToHexStringLower(reader.Bytes()); break;
                case (2, ProtoReader.LengthWire): spanId = Convert.ToHexStringLower(reader.Bytes()); break;
                case (4, ProtoReader.LengthWire): parent = Convert.ToHexStringLower(reader.Bytes()); break;
                case (5, ProtoReader.LengthWire): name = Encoding.UTF8.GetString(reader.Bytes()); break;
                case (6, ProtoReader.VarintWire): kind = (SpanKind)reader.Varint(); break;
                case (9, ProtoReader.LengthWire):
                    var (key, value) = ReadKeyValue(reader.Bytes());
                    attributes[key] = value;
                    break;
                case (15, ProtoReader.LengthWire):
                    var statusReader = new ProtoReader(reader.Bytes());
                    while (statusReader.Next(out var f, out var w))
                    {
                        if (f == 3 && w == ProtoReader.VarintWire) { status = (int)statusReader.Varint(); }
                        else { statusReader.Skip(w); }
                    }

                    break;
                default: reader.Skip(wire); break;
            }
        }

        return new ReceivedSpan(service, scope, traceId, spanId, parent, name, kind, status, attributes);
    }

    private static (string Key, string Value) ReadKeyValue(ReadOnlySpan<byte> message)
    {
        // KeyValue: 1 = string key, 2 = AnyValue value. AnyValue is a oneof: 1 = string, 2 = bool, 3 = int64, 4 = double.
        string key = "", value = "";
        var reader = new ProtoReader(message);
        while (reader.Next(out var field, out var wire))
        {
            if (field == 1 && wire == ProtoReader.LengthWire) { key = Encoding.UTF8.GetString(reader.Bytes()); }
            else if (field == 2 && wire == ProtoReader.LengthWire)
            {
                var any = new ProtoReader(reader.Bytes());
                while (any.Next(out var f, out var w))
                {
                    value = (f, w) switch
                    {
                        (1, ProtoReader.LengthWire) => Encoding.UTF8.GetString(any.Bytes()),
                        (2, ProtoReader.VarintWire) => any.Varint() != 0 ? "true" : "false",
                        (3, ProtoReader.VarintWire) => ((long)any.Varint()).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        (4, ProtoReader.Fixed64Wire) => BitConverter.Int64BitsToDouble((long)any.Fixed64()).ToString(System.Globalization.CultureInfo.InvariantCulture),
                        _ => SkipAndKeep(ref any, w, value),
                    };
                }
            }
            else { reader.Skip(wire); }
        }

        return (key, value);
    }

    private static string SkipAndKeep(ref ProtoReader reader, int wire, string value)
    {
        reader.Skip(wire);
        return value;
    }

    /// <summary>The protobuf wire format: a varint key (field number &lt;&lt; 3 | wire type), then the value.</summary>
    private ref struct ProtoReader(ReadOnlySpan<byte> data)
    {
        public const int VarintWire = 0, Fixed64Wire = 1, LengthWire = 2, Fixed32Wire = 5;

        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Next(out int field, out int wire)
        {
            field = wire = 0;
            if (_position >= _data.Length) { return false; }
            var key = Varint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = _data[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) { return value; }
            }
        }

        public ulong Fixed64()
        {
            var value = BinaryPrimitives.ReadUInt64LittleEndian(_data[_position..]);
            _position += 8;
            return value;
        }

        public ReadOnlySpan<byte> Bytes()
        {
            var length = (int)Varint();
            var bytes = _data.Slice(_position, length);
            _position += length;
            return bytes;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case VarintWire: Varint(); break;
                case Fixed64Wire: _position += 8; break;
                case LengthWire: Bytes(); break;
                case Fixed32Wire: _position += 4; break;
                default: throw new InvalidDataException($"Protobuf wire type {wire} is not used by OTLP.");
            }
        }
    }
}
