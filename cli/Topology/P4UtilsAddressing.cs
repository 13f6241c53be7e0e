using System.Globalization;
using Lb.Core.Addressing;

namespace Lbdeploy.Topology;

/// <summary>The naming and addressing conventions p4-utils applies, in one place.</summary>
public static class P4UtilsAddressing
{
    public const int FirstThriftPort = 9090;

    public static int ThriftPortOf(int deviceId) => FirstThriftPort + deviceId - 1;

    /// <summary>Host interface: always hN-eth0 (p4-utils renames it so).</summary>
    public static string HostInterfaceName(string host) => $"{host}-eth0";

    /// <summary>Switch interface: sX-ethP, P the port number.</summary>
    public static string SwitchInterfaceName(string switchName, int port) =>
        string.Create(CultureInfo.InvariantCulture, $"{switchName}-eth{port}");

    /// <summary>
    /// p4-utils' ip_address_to_mac: 00:PP:a:b:c:d for address a.b.c.d, PP = 00 for the host, 01 for the switch side
    /// of the host's link.
    /// </summary>
    public static MacAddress MacFromAddress(Ipv4Address address, byte prefix) => new(((ulong)prefix << 32) | address.Value);

    /// <summary>
    /// p4-utils lets mininet pick random MACs for switch-to-switch interfaces. lbdeploy needs a reproducible plan, so
    /// when it builds a fabric from an app config it derives them from the switch's device id and the port:
    /// 02:00:II:II:PP:PP (locally administered, unicast; II = device id, PP = port). Unique per interface.
    /// A topology.json keeps the MACs mininet really used.
    /// </summary>
    public static MacAddress SwitchLinkMac(int deviceId, int port) =>
        new((0x02UL << 40) | ((ulong)(deviceId & 0xFFFF) << 16) | (uint)(port & 0xFFFF));

    /// <summary>The number p4-utils takes from a host name (int(name[1:])), or null when the name is not hN.</summary>
    public static int? HostNumber(string host) =>
        host.Length > 1 && host[0] == 'h' && int.TryParse(host.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
}
