namespace Lb.Core.Packets;

/// <summary>IANA protocol numbers the load balancer looks at.</summary>
public static class IpProtocol
{
    public const byte Icmp = 1;
    /// <summary>IPv4 encapsulated in IPv4 (RFC 2003): what the mux sends and the agent receives.</summary>
    public const byte IpInIp = 4;
    public const byte Tcp = 6;
    public const byte Udp = 17;

    public static string Name(byte protocol) => protocol switch
    {
        Icmp => "icmp",
        IpInIp => "ipip",
        Tcp => "tcp",
        Udp => "udp",
        _ => protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
