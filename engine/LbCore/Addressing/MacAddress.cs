using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Lb.Core.Addressing;

/// <summary>A 48-bit Ethernet address kept in the low bits of a ulong.</summary>
public readonly record struct MacAddress(ulong Value) : IComparable<MacAddress>
{
    public static MacAddress Parse(string text) =>
        TryParse(text, out var mac) ? mac : throw new FormatException($"'{text}' is not a MAC address (expected six hex pairs, e.g. 00:00:0a:0d:01:02)");

    public static bool TryParse([NotNullWhen(true)] string? text, out MacAddress mac)
    {
        mac = default;
        if (text is null) return false;
        var parts = text.Split(':', '-');
        if (parts.Length != 6) return false;
        ulong value = 0;
        foreach (var part in parts)
        {
            if (part.Length != 2 || !byte.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var octet)) return false;
            value = (value << 8) | octet;
        }
        mac = new MacAddress(value);
        return true;
    }

    public static MacAddress FromBytes(ReadOnlySpan<byte> sixBytes)
    {
        ulong value = 0;
        for (var i = 0; i < 6; i++) value = (value << 8) | sixBytes[i];
        return new MacAddress(value);
    }

    public void WriteTo(Span<byte> destination)
    {
        for (var i = 0; i < 6; i++) destination[i] = (byte)(Value >> (8 * (5 - i)));
    }

    public int CompareTo(MacAddress other) => Value.CompareTo(other.Value);

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[6];
        WriteTo(bytes);
        return string.Create(CultureInfo.InvariantCulture,
            $"{bytes[0]:x2}:{bytes[1]:x2}:{bytes[2]:x2}:{bytes[3]:x2}:{bytes[4]:x2}:{bytes[5]:x2}");
    }
}
