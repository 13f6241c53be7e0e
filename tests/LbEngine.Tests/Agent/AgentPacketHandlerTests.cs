using Lb.Core.Packets;
using Lb.Engine.Mux;
using Lb.Engine.Tests.Support;

namespace Lb.Engine.Tests.Agent;

public class AgentPacketHandlerTests
{
    /// <summary>What the agent's raw socket returns for a frame the mux built: the outer IPv4 packet.</summary>
    private static byte[] Encapsulated(byte[] innerFrame, string dip = "10.19.13.2", string mux = TestConfigs.MuxAddress)
    {
        var ip = TestFrames.IpOf(innerFrame);
        var outer = new byte[ip.Length + 20];
        Ipv4Header.Write(outer, outer.Length, 7, 0, 64, IpProtocol.IpInIp,
            Lb.Core.Addressing.Ipv4Address.Parse(mux).Value, Lb.Core.Addressing.Ipv4Address.Parse(dip).Value);
        ip.CopyTo(outer, 20);
        return outer;
    }

    [Fact]
    public void Decapsulates_to_exactly_the_inner_packet()
    {
        var handler = TestConfigs.AgentHandler(TestConfigs.Agent());
        var frame = TestFrames.Tcp("10.5.3.2", 40000, TestConfigs.Vip, 80, 333);
        var packet = Encapsulated(frame);
        Assert.Equal(DropReason.None, handler.Handle(packet, out var offset, out var length));
        Assert.Equal(TestFrames.IpOf(frame), packet.AsSpan(offset, length).ToArray());
        Assert.Equal(1, handler.Counters.Forwarded);
        Assert.Equal(1, handler.State.Muxes[0].Packets);
    }

    [Fact]
    public void Mux_output_round_trips_through_the_agent()
    {
        var mux = TestConfigs.MuxHandler(TestConfigs.Mux(("h13", "10.19.13.2", 1)), out _);
        var agent = TestConfigs.AgentHandler(TestConfigs.Agent());
        var output = new byte[MuxPacketHandler.OutputBufferSize];
        var frame = TestFrames.Tcp("10.5.3.2", 40000, TestConfigs.Vip, 80, 200);
        Assert.Equal(MuxVerdict.Forward, mux.Handle(frame, output, out var length));
        var received = output[EthernetHeader.Length..length];
        Assert.Equal(DropReason.None, agent.Handle(received, out var offset, out var innerLength));
        Assert.Equal(TestFrames.IpOf(frame), received.AsSpan(offset, innerLength).ToArray());
    }

    [Fact]
    public void Rejects_by_reason()
    {
        var handler = TestConfigs.AgentHandler(TestConfigs.Agent());
        void Expect(byte[] packet, DropReason reason) => Assert.Equal(reason, handler.Handle(packet, out _, out _));

        Expect(Encapsulated(TestFrames.Tcp("10.5.3.2", 1, TestConfigs.Vip, 80), mux: "10.99.0.2"), DropReason.UnknownMux);
        Expect(Encapsulated(TestFrames.Tcp("10.5.3.2", 1, TestConfigs.Vip, 80), dip: "10.19.14.2"), DropReason.NotForThisHost);
        Expect(Encapsulated(TestFrames.Tcp("10.5.3.2", 1, "20.0.0.2", 80)), DropReason.InnerNotVip);
        Expect(Encapsulated(TestFrames.Tcp("10.5.3.2", 1, TestConfigs.Vip, 22)), DropReason.UnservedPort);
        Expect(TestFrames.IpOf(TestFrames.Tcp("10.5.3.2", 1, TestConfigs.Vip, 80)), DropReason.NotIpInIp);
        var corrupt = Encapsulated(TestFrames.Tcp("10.5.3.2", 1, TestConfigs.Vip, 80));
        corrupt[20 + 10] ^= 0xFF; // inner header checksum
        Expect(corrupt, DropReason.BadIpChecksum);
        Expect(Encapsulated(TestFrames.EchoRequest("10.5.3.2", TestConfigs.Vip, 5)), DropReason.None);

        Assert.Equal(7, handler.Counters.PacketsIn);
        Assert.Equal(1, handler.Counters.Forwarded);
        Assert.Equal(6, handler.Counters.TotalDrops);
    }

    [Fact]
    public void Warm_packet_path_allocates_nothing()
    {
        var handler = TestConfigs.AgentHandler(TestConfigs.Agent());
        var packet = Encapsulated(TestFrames.Tcp("10.5.3.2", 40000, TestConfigs.Vip, 80, 64));
        handler.Handle(packet, out _, out _);
        AllocationAssert.NothingPerCall(() =>
        {
            for (var i = 0; i < 10_000; i++) handler.Handle(packet, out _, out _);
        }, 10_000);
    }
}
