using Lb.Core.Flows;
using Lb.Core.Packets;

namespace Lb.Engine.Runtime;

/// <summary>Per-packet trace lines for --verbose (allocates: never used on the normal path).</summary>
public static class PacketTrace
{
    public static string DescribeIp(ReadOnlySpan<byte> packet, int length)
    {
        if (Ipv4Validator.Validate(packet, out _, verifyChecksum: false) != DropReason.None) return $"{length}-byte frame";
        if (FlowKeyExtractor.Extract(packet, out var key, out var flowClass) != DropReason.None)
            return $"{length}-byte {IpProtocol.Name(new Ipv4Header(packet).Protocol)} packet {new Ipv4Header(packet).Source} -> {new Ipv4Header(packet).Destination}";
        return $"{length}-byte {key} ({flowClass})";
    }
}
