using Lb.Core.Packets;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Lbdeploy.Tracing;

/// <summary>
/// Reads the pcap file `tcpdump -w` writes at one capture point (with SharpPcap's file reader) and each Ethernet frame
/// in it as a <see cref="TraceFrame"/>, parsed with the engine's own header views.
/// </summary>
internal static class CaptureFile
{
    /// <summary>A pcap file's global header; tcpdump writes it only with the first packet when its output is buffered.</summary>
    public const int FileHeaderLength = 24;

    /// <summary>
    /// The frames of <paramref name="path"/> that are IPv4 (or IP-in-IP) over Ethernet, in capture order. A file still
    /// being written yields the whole records it has so far; a missing or header-less file yields none.
    /// </summary>
    public static List<TraceFrame> Read(string path, string link)
    {
        var frames = new List<TraceFrame>();
        if (!File.Exists(path) || new FileInfo(path).Length < FileHeaderLength) return frames;
        using var device = Open(path);
        while (device.GetNextPacket(out var capture) == GetPacketStatus.PacketRead)
        {
            if (Parse(capture.Data, link) is { } frame) frames.Add(frame);
        }
        return frames;
    }

    private static CaptureFileReaderDevice Open(string path)
    {
        var device = new CaptureFileReaderDevice(path);
        try
        {
            device.Open();
        }
        catch (DllNotFoundException)
        {
            throw new TraceException("trace --live: libpcap is not installed (libpcap.so.0.8 not found); install it: apt-get install libpcap0.8");
        }
        catch (PcapException e)
        {
            device.Dispose();
            throw new TraceException($"trace --live: cannot read the capture {path}: {e.Message.Trim()}; check that tcpdump writes pcap files (tcpdump -w)");
        }
        return device;
    }

    /// <summary>Ethernet + IPv4 (+ IPv4 inside protocol 4) + ports or echo id; null when it is not such a frame.</summary>
    public static TraceFrame? Parse(ReadOnlySpan<byte> frame, string link)
    {
        var ethernet = new EthernetHeader(frame);
        if (!ethernet.IsComplete || ethernet.EtherType != EthernetHeader.EtherTypeIpv4) return null;
        var ip = ethernet.Payload;
        if (Ip(ip) is not { } first) return null;
        TraceIp? outer = null;
        var inner = first.Header;
        var payload = ip[first.Length..];
        if (first.Header.Protocol == IpProtocol.IpInIp)
        {
            if (Ip(payload) is not { } nested) return null;
            outer = first.Header;
            inner = nested.Header;
            payload = payload[nested.Length..];
        }
        int? sport = null, dport = null, echo = null;
        if (inner.Protocol == IpProtocol.Tcp && payload.Length >= 4)
        {
            var tcp = new TcpHeader(payload);
            (sport, dport) = (tcp.SourcePort, tcp.DestinationPort);
        }
        else if (inner.Protocol == IpProtocol.Udp && payload.Length >= 4)
        {
            var udp = new UdpHeader(payload);
            (sport, dport) = (udp.SourcePort, udp.DestinationPort);
        }
        else if (inner.Protocol == IpProtocol.Icmp && payload.Length >= 6)
        {
            echo = new IcmpHeader(payload).Identifier;
        }
        return new TraceFrame(link, ethernet.Source.ToString(), ethernet.Destination.ToString(), outer, inner, sport, dport, echo);
    }

    /// <summary>The IPv4 header at the start of <paramref name="bytes"/> and its length; null when there is none.</summary>
    private static (TraceIp Header, int Length)? Ip(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Ipv4Header.MinimumLength) return null;
        var ip = new Ipv4Header(bytes);
        if (ip.Version != 4 || ip.HeaderLength < Ipv4Header.MinimumLength || bytes.Length < ip.HeaderLength) return null;
        return (new TraceIp(ip.Source.ToString(), ip.Destination.ToString(), ip.Protocol, IpProtocol.Name(ip.Protocol), ip.TimeToLive), ip.HeaderLength);
    }
}
