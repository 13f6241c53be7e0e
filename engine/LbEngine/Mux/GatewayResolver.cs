using System.Buffers.Binary;
using Lb.Core.Addressing;
using Lb.Core.Packets;
using Lb.Engine.PacketIo;
using SharpPcap;
using SharpPcap.LibPcap;
using Lb.Engine.Runtime;

namespace Lb.Engine.Mux;

/// <summary>
/// Finds the gateway's MAC: the config, else the kernel neighbour table, else an ARP request sent on the interface
/// on the interface (through libpcap, only then).
/// </summary>
public static class GatewayResolver
{
    private static readonly TimeSpan ArpTimeout = TimeSpan.FromSeconds(3);

    public static MacAddress Resolve(Ipv4Address gateway, MacAddress? configured,
        Ipv4Address ownAddress, MacAddress ownMac, string interfaceName, EngineLog log)
    {
        if (configured is { } mac) return mac;
        if (HostEnvironment.NeighbourMac(gateway, interfaceName) is { } known)
        {
            log.Info($"gateway {gateway} is {known} (neighbour table)");
            return known;
        }
        using var device = PcapFramePath.OpenDevice(interfaceName);
        var resolved = Arp(device, gateway, ownAddress, ownMac)
            ?? throw new StartupException($"gateway {gateway} did not answer ARP on {interfaceName} within {ArpTimeout.TotalSeconds:0} s; check \"gateway.address\" or set \"gateway.mac\" in the config");
        log.Info($"gateway {gateway} is {resolved} (ARP)");
        return resolved;
    }

    private static MacAddress? Arp(LibPcapLiveDevice device, Ipv4Address gateway, Ipv4Address ownAddress, MacAddress ownMac)
    {
        device.Open(new DeviceConfiguration { Mode = DeviceModes.None, ReadTimeout = 200, Snaplen = 128, Immediate = true });
        try
        {
            device.Filter = $"arp and arp[6:2] = 2 and src host {gateway}";
            var request = BuildRequest(ownMac, ownAddress, gateway);
            var deadline = DateTime.UtcNow + ArpTimeout;
            var nextSend = DateTime.MinValue;
            while (DateTime.UtcNow < deadline)
            {
                if (DateTime.UtcNow >= nextSend)
                {
                    device.SendPacket(request);
                    nextSend = DateTime.UtcNow.AddSeconds(1);
                }
                if (device.GetNextPacket(out var capture) != GetPacketStatus.PacketRead) continue;
                if (ParseReply(capture.Data, gateway) is { } mac) return mac;
            }
            return null;
        }
        finally
        {
            device.Close();
        }
    }

    internal static byte[] BuildRequest(MacAddress ownMac, Ipv4Address ownAddress, Ipv4Address target)
    {
        var frame = new byte[EthernetHeader.Length + 28];
        EthernetHeader.Write(frame, new MacAddress(0xFFFFFFFFFFFF), ownMac, EthernetHeader.EtherTypeArp);
        var arp = frame.AsSpan(EthernetHeader.Length);
        BinaryPrimitives.WriteUInt16BigEndian(arp, 1);          // hardware type: Ethernet
        BinaryPrimitives.WriteUInt16BigEndian(arp[2..], 0x0800); // protocol type: IPv4
        arp[4] = 6;
        arp[5] = 4;
        BinaryPrimitives.WriteUInt16BigEndian(arp[6..], 1);      // request
        ownMac.WriteTo(arp[8..]);
        ownAddress.WriteTo(arp[14..]);
        target.WriteTo(arp[24..]);                               // target MAC (18..23) stays zero
        return frame;
    }

    internal static MacAddress? ParseReply(ReadOnlySpan<byte> frame, Ipv4Address expectedSender)
    {
        if (frame.Length < EthernetHeader.Length + 28 || new EthernetHeader(frame).EtherType != EthernetHeader.EtherTypeArp) return null;
        var arp = frame[EthernetHeader.Length..];
        if (BinaryPrimitives.ReadUInt16BigEndian(arp[6..]) != 2) return null;
        if (Ipv4Address.FromBytes(arp.Slice(14, 4)) != expectedSender) return null;
        return MacAddress.FromBytes(arp.Slice(8, 6));
    }
}
