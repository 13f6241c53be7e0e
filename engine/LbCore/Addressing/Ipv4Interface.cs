using System.Diagnostics.CodeAnalysis;

namespace Lb.Core.Addressing;

/// <summary>An address on an interface together with its subnet length, as `ip addr` shows it: 10.13.1.2/24.</summary>
public readonly record struct Ipv4Interface(Ipv4Address Address, int PrefixLength)
{
    public Ipv4Prefix Subnet => new(Address, PrefixLength);

    public static Ipv4Interface Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not an interface address (expected ADDRESS/LENGTH, e.g. 10.13.1.2/24)");

    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Interface value)
    {
        value = default;
        if (!Ipv4Prefix.TryParse(text, out var prefix)) return false;
        var slash = text.IndexOf('/');
        var address = Ipv4Address.Parse(slash < 0 ? text : text[..slash]);
        value = new Ipv4Interface(address, prefix.Length);
        return true;
    }

    public override string ToString() => $"{Address}/{PrefixLength}";
}
