using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Maglev;
using Lb.Core.Packets;
using Lb.Engine.Mux;
using Lb.Engine.Policy;
using Lb.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using PacketDotNet;
using PacketDotNet.Utils;

namespace Lb.Engine.Tests.SecondChance;

public class MuxSecondChanceTests : SecondChanceMuxTests
{
    /// <summary>A client port whose flow the old table sent to <paramref name="was"/> (it has moved since the drain).</summary>
    private static ushort PortOnce(MuxState before, string was)
    {
        for (ushort port = 20000; ; port++)
        {
            FlowKeyExtractor.Extract(TestFrames.IpOf(TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80)), out var key, out _);
            if (before.Table.Lookup(key)!.Name == was) return port;
        }
    }

    /// <summary>The outer IPv4 packet the mux sends for <paramref name="frame"/>.</summary>
    private byte[] Forward(MuxPacketHandler handler, byte[] frame)
    {
        Assert.Equal(MuxVerdict.Forward, handler.Handle(frame, _output, out var length));
        return _output[EthernetHeader.Length..length];
    }

    private int HeaderLengthOf(MuxPacketHandler handler, byte[] frame) => new Ipv4Header(Forward(handler, frame)).HeaderLength;

    [Fact]
    public void A_tcp_non_syn_packet_of_a_moved_slot_carries_its_earlier_owner_in_a_valid_outer_header()
    {
        var handler = Handler(Config);
        var before = handler.State;
        Drain(handler, "b");
        Assert.Single(handler.State.History!.Versions);
        var port = PortOnce(before, "b");
        var frame = TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80, 100);

        var bytes = Forward(handler, frame);
        var outer = new Ipv4Header(bytes);

        Assert.Equal(28, outer.HeaderLength); // 20 + type, length, version, reserved + one address
        Assert.Equal(bytes.Length, outer.TotalLength);
        Assert.True(outer.HasValidChecksum);
        Assert.Equal(DropReason.None, Ipv4Validator.Validate(bytes, out _));
        Assert.Equal(DropReason.None, SecondChanceOption.Find(outer.Options, out var option, out var found));
        Assert.True(found);
        Assert.Equal(1, option.Count);
        Assert.Equal(Ipv4Address.Parse("10.0.2.2").Value, option[0]);
        Assert.NotEqual(option[0], outer.DestinationValue);
        Assert.Equal(TestFrames.IpOf(frame), bytes[28..]);
        var parsed = new IPv4Packet(new ByteArraySegment(bytes));
        Assert.True(parsed.ValidIPChecksum, "PacketDotNet agrees on the checksum");
        Assert.Equal(1, handler.Counters.SecondChanceMarked);
    }

    [Fact]
    public void Syns_udp_and_unmoved_slots_go_with_the_plain_header()
    {
        var handler = Handler(Config);
        var before = handler.State;
        Drain(handler, "b");
        var moved = PortOnce(before, "b");
        var stayed = PortOnce(before, "a");

        Assert.Equal(20, HeaderLengthOf(handler, TestFrames.Tcp("10.5.3.2", moved, TestConfigs.Vip, 80, syn: true)));
        Assert.Equal(20, HeaderLengthOf(handler, TestFrames.Tcp("10.5.3.2", stayed, TestConfigs.Vip, 80)));
        Assert.Equal(20, HeaderLengthOf(handler, TestFrames.Udp("10.5.3.2", moved, TestConfigs.Vip, 53)));
        Assert.Equal(0, handler.Counters.SecondChanceMarked);
    }

    [Fact]
    public void A_connection_whose_syn_this_mux_sent_goes_without_the_option_to_the_dip_that_has_it()
    {
        var handler = Handler(Config);
        var before = handler.State;
        var port = PortOnce(before, "b");
        Assert.Equal(20, HeaderLengthOf(handler, TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80, syn: true)));
        // Two pool changes under the open connection: its slot went from b to another DIP and back, the connection stays on b.
        Drain(handler, "b");
        var between = handler.State.Table.Lookup(Key(port))!.Name;
        Drain(handler, between);

        var outer = new Ipv4Header(Forward(handler, TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80, 100)));
        Assert.Equal((20, Ipv4Address.Parse("10.0.2.2").Value), (outer.HeaderLength, outer.DestinationValue));
        Assert.Empty(MuxQueries.Lookup("h1", handler.State, [handler.Connections], Key(port), out _)!.Alternates); // as lookup says
        // A connection of the same slot history met mid-stream (its SYN went through another mux) is marked.
        var other = (ushort)(port + 1);
        while (before.Table.Lookup(Key(other))!.Name != "b") other++;
        Assert.Equal(28, HeaderLengthOf(handler, TestFrames.Tcp("10.5.3.2", other, TestConfigs.Vip, 80, 100)));
        Assert.Equal(1, handler.Counters.SecondChanceMarked);
    }

    [Fact]
    public void A_connection_opened_here_whose_dip_went_down_is_marked_where_it_is_hashed_again()
    {
        var handler = Handler(Config);
        var port = PortOnce(handler.State, "b");
        Forward(handler, TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80, syn: true));
        Drain(handler, "b");
        Assert.Equal(20, HeaderLengthOf(handler, TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80))); // drained: b keeps it
        handler.State = new MuxState(Config, TestFrames.MuxMac, TestFrames.GatewayMac, new HashSet<string>(), handler.State,
            down: new HashSet<uint> { Ipv4Address.Parse("10.0.2.2").Value }, time: _time);

        var outer = new Ipv4Header(Forward(handler, TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80)));
        Assert.NotEqual(Ipv4Address.Parse("10.0.2.2").Value, outer.DestinationValue);
        Assert.Equal(DropReason.None, SecondChanceOption.Find(outer.Options, out var option, out var found));
        Assert.True(found);
        Assert.Equal(Ipv4Address.Parse("10.0.2.2").Value, option[0]);
    }

    private static FlowKey Key(ushort port)
    {
        FlowKeyExtractor.Extract(TestFrames.IpOf(TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80)), out var key, out _);
        return key;
    }

    [Fact]
    public void Without_the_second_chance_nothing_is_remembered_or_added()
    {
        var handler = Handler(Config with { SecondChance = null });
        var before = handler.State;
        Drain(handler, "b");
        Assert.Null(handler.State.History);
        Assert.Equal(20, HeaderLengthOf(handler, TestFrames.Tcp("10.5.3.2", PortOnce(before, "b"), TestConfigs.Vip, 80)));
        var off = Handler(Config with { SecondChance = new SecondChanceConfig { Enabled = false } });
        Drain(off, "b");
        Assert.Null(off.State.History);
    }

    [Fact]
    public void Two_changes_give_two_alternates_and_an_unchanged_rebuild_none()
    {
        var handler = Handler(Config);
        var first = handler.State;
        Drain(handler, "b");
        var second = handler.State;
        Drain(handler, "b"); // the same table again: no new version
        Assert.Single(handler.State.History!.Versions);
        Drain(handler, "b", "c");
        Assert.Equal(2, handler.State.History!.Versions.Count);
        // A slot that was c's before the second drain and b's before the first.
        ushort port = 20000;
        for (; ; port++)
        {
            FlowKeyExtractor.Extract(TestFrames.IpOf(TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80)), out var key, out _);
            if (first.Table.Lookup(key)!.Name == "b" && second.Table.Lookup(key)!.Name == "c") break;
        }
        var outer = new Ipv4Header(Forward(handler, TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80)));
        Assert.Equal(Ipv4Address.Parse("10.0.1.2").Value, outer.DestinationValue);
        SecondChanceOption.Find(outer.Options, out var option, out _);
        Assert.Equal([Ipv4Address.Parse("10.0.3.2").Value, Ipv4Address.Parse("10.0.2.2").Value], [option[0], option[1]]);
    }

    [Fact]
    public void The_mtu_check_counts_the_option()
    {
        var handler = Handler(Config);
        var before = handler.State;
        Drain(handler, "b");
        var port = PortOnce(before, "b");
        // 1480 bytes fit with a plain header (1500), not with the 8-byte option.
        var frame = TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80, 1440);
        Assert.Equal(MuxVerdict.ReplyIcmp, handler.Handle(frame, _output, out var length));
        var icmp = (IcmpV4Packet)((IPv4Packet)new EthernetPacket(new ByteArraySegment(_output[..length])).PayloadPacket).PayloadPacket;
        Assert.Equal(1500 - 20 - 8, icmp.Sequence); // next-hop MTU
        Assert.Equal(1, handler.Counters.Drops[(int)DropReason.FragmentationNeeded]);
        Assert.Equal(0, handler.State.Dips.Sum(d => d.Flows)); // a refused packet opens no flow
        Assert.Equal(MuxVerdict.Forward, handler.Handle(TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80, 1432), _output, out length));
        Assert.Equal(1500 + EthernetHeader.Length, length);
    }

    [Fact]
    public void Versions_expire_with_the_retention()
    {
        var handler = Handler(Config with { SecondChance = new SecondChanceConfig { Enabled = true, RetentionSeconds = 60 } });
        var before = handler.State;
        Drain(handler, "b");
        var port = PortOnce(before, "b");
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(20, HeaderLengthOf(handler, TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80)));
    }
}

public class MuxRestartHistoryTests
{
    [Fact]
    public void A_restarted_mux_uses_the_history_it_saved_and_not_one_of_another_table()
    {
        var time = new FakeTimeProvider();
        var config = TestConfigs.Mux(("a", "10.0.1.2", 1), ("b", "10.0.2.2", 1)) with { SecondChance = new SecondChanceConfig(true) };
        var drained = new HashSet<string> { "b" };
        var first = new MuxState(config, TestFrames.MuxMac, TestFrames.GatewayMac, new HashSet<string>(), time: time);
        var afterDrain = new MuxState(config, TestFrames.MuxMac, TestFrames.GatewayMac, drained, first, time: time);
        var saved = PoolHistoryFile.Serialize(afterDrain.History!);

        var loaded = PoolHistoryFile.Deserialize(saved, 65537, 0, TimeSpan.FromSeconds(600), time, out _);
        var restarted = new MuxState(config, TestFrames.MuxMac, TestFrames.GatewayMac, drained, time: time, history: loaded);
        Assert.Single(restarted.History!.Versions);
        Assert.Equal(afterDrain.History!.Versions[0].Owners, restarted.History.Versions[0].Owners);

        var otherSeed = config with { Hash = new HashConfig(65537, 5) };
        Assert.Empty(new MuxState(otherSeed, TestFrames.MuxMac, TestFrames.GatewayMac, drained, time: time, history: loaded).History!.Versions);
        Assert.Null(new MuxState(config with { SecondChance = null }, TestFrames.MuxMac, TestFrames.GatewayMac, drained, time: time, history: loaded).History);
    }
}
