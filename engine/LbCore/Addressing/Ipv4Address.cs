using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Lb.Core.Addressing;

/// <summary>An IPv4 address as a host-order 32-bit value: cheap to compare, hash and mask.</summary>
public readonly record struct Ipv4Address(uint Value) : IComparable<Ipv4Address>
{
    public static Ipv4Address Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not an IPv4 address (expected four numbers 0-255, e.g. 10.0.0.1)");

    /// <summary>Strict dotted-quad parser: exactly four decimal octets, no leading '+', no whitespace.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Address address)
    {
        address = default;
        if (string.IsNullOrEmpty(text)) return false;
        var parts = text.Split('.');
        if (parts.Length != 4) return false;
        uint value = 0;
        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || !part.All(char.IsAsciiDigit)) return false;
            var octet = int.Parse(part, CultureInfo.InvariantCulture);
            if (octet > 255) return false;
            value = (value << 8) | (uint)octet;
        }
        address = new Ipv4Address(value);
        return true;
    }

    public static Ipv4Address FromBytes(ReadOnlySpan<byte> fourBytes) => new(BinaryPrimitives.ReadUInt32BigEndian(fourBytes));

    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt32BigEndian(destination, Value);

    public byte[] GetBytes()
    {
        var bytes = new byte[4];
        WriteTo(bytes);
        return bytes;
    }

    public int CompareTo(Ipv4Address other) => Value.CompareTo(other.Value);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Value >> 24}.{(Value >> 16) & 0xFF}.{(Value >> 8) & 0xFF}.{Value & 0xFF}");
}
