using Lb.Core.Flows;
using Lb.Core.Packets;
using Lb.Engine.Mux;

namespace Lb.Engine.Hosting;

/// <summary>Per-packet trace lines for --verbose (allocates: never used on the normal path).</summary>
public static class PacketTrace
{
    public static string Describe(ReadOnlySpan<byte> frame, MuxVerdict verdict, DropReason drop, string? dip)
    {
        var what = DescribeIp(frame.Length >= EthernetHeader.Length ? frame[EthernetHeader.Length..] : default, frame.Length);
        return verdict switch
        {
            MuxVerdict.Forward => $"{what} -> {dip}",
            MuxVerdict.ReplyIcmp => $"{what} -> icmp fragmentation needed to the client",
            _ => $"{what} dropped: {DropReasons.Name(drop)}",
        };
    }

    public static string DescribeIp(ReadOnlySpan<byte> packet, int length)
    {
        if (Ipv4Validator.Validate(packet, out _, verifyChecksum: false) != DropReason.None) return $"{length}-byte frame";
        if (FlowKeyExtractor.Extract(packet, out var key, out var flowClass) != DropReason.None)
            return $"{length}-byte {IpProtocol.Name(new Ipv4Header(packet).Protocol)} packet {new Ipv4Header(packet).Source} -> {new Ipv4Header(packet).Destination}";
        return $"{length}-byte {key} ({flowClass})";
    }
}
