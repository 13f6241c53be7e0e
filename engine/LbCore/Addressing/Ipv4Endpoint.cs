using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Lb.Core.Addressing;

/// <summary>An IPv4 address and a port, written <c>ADDRESS:PORT</c> (<c>127.0.0.1:9100</c>).</summary>
public readonly record struct Ipv4Endpoint(Ipv4Address Address, int Port)
{
    /// <summary>Strict: a dotted quad, a colon and a decimal port 0-65535, nothing else.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out Ipv4Endpoint endpoint)
    {
        endpoint = default;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (colon <= 0 || !Ipv4Address.TryParse(text![..colon], out var address)) return false;
        var port = text[(colon + 1)..];
        if (port.Length is 0 or > 5 || !port.All(char.IsAsciiDigit)) return false;
        var number = int.Parse(port, CultureInfo.InvariantCulture);
        if (number > ushort.MaxValue) return false;
        endpoint = new Ipv4Endpoint(address, number);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Address}:{Port}");
}
