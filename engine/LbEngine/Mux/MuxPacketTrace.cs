using Lb.Core.Packets;
using Lb.Engine.Runtime;

namespace Lb.Engine.Mux;

/// <summary>The mux's per-packet trace line for --verbose: what came in and what the mux did (allocates).</summary>
public static class MuxPacketTrace
{
    public static string Describe(ReadOnlySpan<byte> frame, MuxVerdict verdict, DropReason drop, string? dip)
    {
        var what = PacketTrace.DescribeIp(frame.Length >= EthernetHeader.Length ? frame[EthernetHeader.Length..] : default, frame.Length);
        return verdict switch
        {
            MuxVerdict.Forward => $"{what} -> {dip}",
            MuxVerdict.ReplyIcmp => $"{what} -> icmp fragmentation needed to the client",
            _ => $"{what} dropped: {DropReasons.Name(drop)}",
        };
    }

}
