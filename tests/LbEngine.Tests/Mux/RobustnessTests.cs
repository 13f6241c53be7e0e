using Lb.Core.Packets;
using Lb.Engine.Mux;
using Lb.Engine.Tests.Support;

namespace Lb.Engine.Tests.Mux;

/// <summary>
/// A million random, mutated and truncated frames through each handler: no exception, and every packet is
/// accounted for (received == forwarded + sum of drops).
/// </summary>
public class RobustnessTests
{
    private const int Frames = 1_000_000;

    private static byte[][] Templates() =>
    [
        TestFrames.Tcp("10.5.3.2", 40000, TestConfigs.Vip, 80, 40),
        TestFrames.Tcp("10.5.3.2", 40001, TestConfigs.Vip, 80, 1460),
        TestFrames.Udp("10.5.3.2", 5000, TestConfigs.Vip, 53, 30),
        TestFrames.EchoRequest("10.5.3.2", TestConfigs.Vip, 7),
        TestFrames.Icmp("10.5.3.1", TestConfigs.Vip, IcmpHeader.TypeDestinationUnreachable, IcmpHeader.CodeFragmentationNeeded, 1300,
            TestFrames.IpOf(TestFrames.Tcp(TestConfigs.Vip, 80, "10.5.3.2", 40000, 100)).AsSpan(0, 28)),
        TestFrames.AsFragment(TestFrames.Udp("10.5.3.2", 5000, TestConfigs.Vip, 53, 100), true, 0),
        TestFrames.AsFragment(TestFrames.Udp("10.5.3.2", 5000, TestConfigs.Vip, 53, 100), false, 13),
        TestFrames.Tcp(TestConfigs.Vip, 80, "10.5.3.2", 40000),
    ];

    /// <summary>Fills <paramref name="buffer"/> with a damaged or random frame; returns its length.</summary>
    private static int NextFrame(Random random, byte[][] templates, byte[] buffer, int prefix)
    {
        var kind = random.Next(10);
        if (kind == 0)
        {
            var length = random.Next(0, 120);
            random.NextBytes(buffer.AsSpan(0, length));
            return length;
        }
        var template = templates[random.Next(templates.Length)].AsSpan(prefix);
        template.CopyTo(buffer);
        var size = template.Length;
        if (kind <= 3) return random.Next(0, size + 1); // truncated
        if (kind <= 7)
        {
            var flips = random.Next(1, 4);
            for (var i = 0; i < flips; i++) buffer[random.Next(Math.Min(size, 80))] = (byte)random.Next(256);
            if (random.Next(2) == 0) // keep the IP header checksum right so damage reaches deeper checks
            {
                var ip = buffer.AsSpan(prefix == 0 ? EthernetHeader.Length : 0);
                if (ip.Length >= 20 && (ip[0] & 0x0F) * 4 <= ip.Length && (ip[0] & 0x0F) >= 5) Ipv4Header.UpdateChecksum(ip);
            }
        }
        return size; // kinds 8-9: intact
    }

    [Fact]
    public void Mux_survives_and_counts_a_million_bad_frames()
    {
        var handler = TestConfigs.MuxHandler(TestConfigs.Mux(), out _);
        var random = new Random(20261126);
        var templates = Templates();
        var buffer = new byte[2048];
        var output = new byte[MuxPacketHandler.OutputBufferSize];
        var verdicts = new int[3];
        for (var i = 0; i < Frames; i++)
        {
            var length = NextFrame(random, templates, buffer, 0);
            verdicts[(int)handler.Handle(buffer.AsSpan(0, length), output, out var outputLength)]++;
            Assert.InRange(outputLength, 0, output.Length);
        }
        var counters = handler.Counters;
        Assert.Equal(Frames, counters.PacketsIn);
        Assert.Equal(counters.PacketsIn, counters.Forwarded + counters.TotalDrops);
        Assert.Equal(verdicts[(int)MuxVerdict.Forward], counters.Forwarded);
        Assert.True(counters.Forwarded > Frames / 10, "intact frames must get through");
        foreach (var reason in new[] { DropReason.Truncated, DropReason.BadIpChecksum, DropReason.DsrViolation, DropReason.NotVip, DropReason.FragmentationNeeded })
            Assert.True(counters.Drops[(int)reason] > 0, $"expected some {DropReasons.Name(reason)}");
    }

    [Fact]
    public void Agent_survives_and_counts_a_million_bad_packets()
    {
        var handler = TestConfigs.AgentHandler(TestConfigs.Agent());
        var mux = TestConfigs.MuxHandler(TestConfigs.Mux(("h13", "10.19.13.2", 1)), out _);
        var output = new byte[MuxPacketHandler.OutputBufferSize];
        // Encapsulated templates, as the agent's raw socket returns them (no Ethernet header).
        var templates = Templates()
            .Where(t => mux.Handle(t, output, out _) == MuxVerdict.Forward)
            .Select(t => { mux.Handle(t, output, out var n); return output[..n]; })
            .ToArray();
        Assert.True(templates.Length >= 4);
        var random = new Random(11);
        var buffer = new byte[2048];
        for (var i = 0; i < Frames; i++)
        {
            var length = NextFrame(random, templates, buffer, EthernetHeader.Length);
            var reason = handler.Handle(buffer.AsSpan(0, length), out var offset, out var innerLength);
            if (reason == DropReason.None) Assert.InRange(offset + innerLength, 0, length);
        }
        var counters = handler.Counters;
        Assert.Equal(Frames, counters.PacketsIn);
        Assert.Equal(counters.PacketsIn, counters.Forwarded + counters.TotalDrops);
        Assert.True(counters.Forwarded > Frames / 10);
        Assert.True(counters.Drops[(int)DropReason.Truncated] > 0);
        Assert.True(counters.Drops[(int)DropReason.BadIpChecksum] > 0);
    }
}
