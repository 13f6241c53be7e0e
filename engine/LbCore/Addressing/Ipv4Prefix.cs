using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Lb.Core.Addressing;

/// <summary>A network prefix such as 10.13.1.0/24; the address is always masked to the prefix length.</summary>
public readonly record struct Ipv4Prefix : IComparable<Ipv4Prefix>
{
    public Ipv4Prefix(Ipv4Address address, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 32);
        Length = length;
        Network = new Ipv4Address(address.Value & MaskOf(length));
    }

    public Ipv4Address Network { get; }
    public int Length { get; }
    public uint Mask => MaskOf(Length);

    public static uint MaskOf(int length) => length == 0 ? 0u : uint.MaxValue << (32 - length);

    public bool Contains(Ipv4Address address) => (address.Value & Mask) == Network.Value;

    public bool Overlaps(Ipv4Prefix other) => Contains(other.Network) || other.Contains(Network);

    public static Ipv4Prefix Host(Ipv4Address address) => new(address, 32);

    public static Ipv4Prefix Parse(string text) =>
        TryParse(text, out var prefix) ? prefix : throw new FormatException($"'{text}' is not an IPv4 prefix (expected ADDRESS/LENGTH, e.g. 10.0.0.0/24)");

    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Prefix prefix)
    {
        prefix = default;
        if (text is null) return false;
        var slash = text.IndexOf('/');
        if (slash < 0)
        {
            if (!Ipv4Address.TryParse(text, out var single)) return false;
            prefix = Host(single);
            return true;
        }
        if (!Ipv4Address.TryParse(text[..slash], out var address)) return false;
        if (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length > 32) return false;
        prefix = new Ipv4Prefix(address, length);
        return true;
    }

    public int CompareTo(Ipv4Prefix other)
    {
        var byNetwork = Network.CompareTo(other.Network);
        return byNetwork != 0 ? byNetwork : Length.CompareTo(other.Length);
    }

    public override string ToString() => $"{Network}/{Length.ToString(CultureInfo.InvariantCulture)}";
}
