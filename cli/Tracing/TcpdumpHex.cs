using System.Buffers.Binary;
using System.Globalization;
using Lb.Core.Packets;

namespace Lbdeploy.Tracing;

/// <summary>Reads `tcpdump -e -XX` output: one byte array per frame, then its headers as a <see cref="TraceFrame"/>.</summary>
internal static class TcpdumpHex
{
    /// <summary>The frames' bytes: each summary line starts a frame, the indented `0x0000:  hhhh hhhh ...  ascii` lines follow.</summary>
    public static IEnumerable<byte[]> Frames(string output)
    {
        List<byte>? current = null;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var trimmed = line.TrimStart();
            if (!trimmed.StartsWith("0x", StringComparison.Ordinal))
            {
                if (current is { Count: > 0 }) yield return [.. current];
                current = line.Length > 0 && !char.IsWhiteSpace(line[0]) ? [] : null;
                continue;
            }
            if (current is null) continue;
            var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
            var hex = trimmed[(colon + 1)..].TrimStart();
            var end = hex.IndexOf("  ", StringComparison.Ordinal);
            if (end >= 0) hex = hex[..end];
            foreach (var group in hex.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                for (var i = 0; i + 1 < group.Length; i += 2)
                    current.Add(byte.Parse(group.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }
        if (current is { Count: > 0 }) yield return [.. current];
    }

    /// <summary>Ethernet + IPv4 (+ IPv4 inside proto 4) + ports or echo id; null when it is not such a frame.</summary>
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
        if (inner.Protocol is IpProtocol.Tcp or IpProtocol.Udp && payload.Length >= 4)
        {
            sport = BinaryPrimitives.ReadUInt16BigEndian(payload);
            dport = BinaryPrimitives.ReadUInt16BigEndian(payload[2..]);
        }
        else if (inner.Protocol == IpProtocol.Icmp && payload.Length >= 6)
        {
            echo = BinaryPrimitives.ReadUInt16BigEndian(payload[4..]);
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
