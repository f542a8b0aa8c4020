namespace Konnect.Gateway.Forwarding;

/// <summary>One header field line: the name and the value with surrounding whitespace removed.</summary>
internal readonly ref struct Field(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
{
    public ReadOnlySpan<byte> Name { get; } = name;
    public ReadOnlySpan<byte> Value { get; } = value;

    public void Deconstruct(out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        name = Name;
        value = Value;
    }
}

/// <summary>
/// The "name: value" lines of a header (or trailer) section, each ending in CRLF. Obsolete line folding (a line
/// starting with whitespace) and lines without a colon are errors, as RFC 9112 lets a recipient treat them.
/// </summary>
internal ref struct FieldEnumerator(ReadOnlySpan<byte> fields)
{
    private ReadOnlySpan<byte> _rest = fields;

    public Field Current { get; private set; }

    public readonly FieldEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_rest.IsEmpty) { return false; }
        var eol = _rest.IndexOf("\r\n"u8);
        var line = eol < 0 ? _rest : _rest[..eol];
        _rest = eol < 0 ? default : _rest[(eol + 2)..];
        var colon = line.IndexOf((byte)':');
        if (colon <= 0 || line[0] is (byte)' ' or (byte)'\t')
        {
            throw new UpstreamProtocolException("The upstream sent a malformed header line.");
        }
        Current = new Field(line[..colon], line[(colon + 1)..].Trim(" \t"u8));
        return true;
    }
}

/// <summary>The comma-separated elements of a field value, trimmed, empty ones skipped.</summary>
internal ref struct TokenEnumerator(ReadOnlySpan<byte> value)
{
    private ReadOnlySpan<byte> _rest = value;

    public ReadOnlySpan<byte> Current { get; private set; }

    public readonly TokenEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        while (!_rest.IsEmpty)
        {
            var comma = _rest.IndexOf((byte)',');
            var part = (comma < 0 ? _rest : _rest[..comma]).Trim(" \t"u8);
            _rest = comma < 0 ? default : _rest[(comma + 1)..];
            if (!part.IsEmpty)
            {
                Current = part;
                return true;
            }
        }
        return false;
    }
}
