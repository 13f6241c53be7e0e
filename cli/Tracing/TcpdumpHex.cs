using System.Buffers.Binary;
using System.Globalization;
using Lb.Core.Addressing;
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
        if (frame.Length < 34 || BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) != 0x0800) return null;
        var ip = frame[14..];
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
        return new TraceFrame(link, Mac(frame[6..12]), Mac(frame[..6]), outer, inner, sport, dport, echo);
    }

    private static (TraceIp Header, int Length)? Ip(ReadOnlySpan<byte> ip)
    {
        if (ip.Length < 20 || ip[0] >> 4 != 4) return null;
        var length = (ip[0] & 0xf) * 4;
        if (length < 20 || ip.Length < length) return null;
        var protocol = ip[9];
        return (new TraceIp(Ipv4Address.FromBytes(ip[12..16]).ToString(), Ipv4Address.FromBytes(ip[16..20]).ToString(), protocol, IpProtocol.Name(protocol), ip[8]), length);
    }

    private static string Mac(ReadOnlySpan<byte> b) => string.Create(CultureInfo.InvariantCulture, $"{b[0]:x2}:{b[1]:x2}:{b[2]:x2}:{b[3]:x2}:{b[4]:x2}:{b[5]:x2}");
}
