using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Packets;
using Lb.Core.Stats;
using Lb.Engine.Mux;
using Lb.Engine.Policy;
using Lb.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Lb.Engine.Tests.SecondChance;

/// <summary>`lookup` names the alternates the packet path would put into the option, with when each table was replaced.</summary>
public class LookupAlternatesTests : SecondChanceMuxTests
{
    private static FlowKey Flow(ushort port, byte protocol = IpProtocol.Tcp) =>
        FlowKey.Create(Ipv4Address.Parse("10.5.3.2"), port, Ipv4Address.Parse(TestConfigs.Vip), protocol == IpProtocol.Tcp ? (ushort)80 : (ushort)53, protocol);

    private static ushort Port(Func<ushort, bool> wanted)
    {
        for (ushort port = 20000; ; port++)
            if (wanted(port)) return port;
    }

    private static string? OwnerIn(MuxState state, ushort port) => state.Table.Lookup(Flow(port))?.Name;

    private FlowLookupReply Lookup(MuxPacketHandler handler, FlowKey flow) =>
        MuxQueries.Lookup("h1", handler.State, [handler.Connections], flow, out _)!;

    /// <summary>The alternates in the option of the outer header the mux sends for a non-SYN segment of the flow.</summary>
    private string[] OptionOf(MuxPacketHandler handler, ushort port)
    {
        Assert.Equal(MuxVerdict.Forward, handler.Handle(TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80), _output, out var length));
        var outer = new Ipv4Header(_output.AsSpan(EthernetHeader.Length, length - EthernetHeader.Length));
        Assert.Equal(DropReason.None, SecondChanceOption.Find(outer.Options, out var option, out var found));
        var addresses = new string[found ? option.Count : 0];
        for (var i = 0; i < addresses.Length; i++) addresses[i] = new Ipv4Address(option[i]).ToString();
        return addresses;
    }

    [Fact]
    public void Lookup_names_the_earlier_owners_newest_first_with_when_each_table_was_replaced_as_the_option_carries_them()
    {
        var handler = Handler(Config);
        var first = handler.State;
        var start = _time.GetUtcNow();
        Drain(handler, "b");
        var second = handler.State;
        _time.Advance(TimeSpan.FromSeconds(30));
        Drain(handler, "b", "c");
        _time.Advance(TimeSpan.FromSeconds(5));
        var port = Port(p => OwnerIn(first, p) == "b" && OwnerIn(second, p) == "c");

        var reply = Lookup(handler, Flow(port));

        Assert.Equal(("a", FlowLookupReply.FromMaglev), (reply.Dip, reply.Source));
        Assert.Equal([new FlowAlternate("c", "10.0.3.2", start.AddSeconds(30), 5000), new FlowAlternate("b", "10.0.2.2", start, 35000)], reply.Alternates);
        Assert.Equal(reply.Alternates.Select(a => a.Address), OptionOf(handler, port));
        // Now in the connection table: the same alternates, from there.
        var remembered = Lookup(handler, Flow(port));
        Assert.Equal(FlowLookupReply.FromConnectionTable, remembered.Source);
        Assert.Equal(reply.Alternates, remembered.Alternates);
    }

    [Fact]
    public void No_alternates_for_udp_an_unmoved_slot_without_the_second_chance_or_after_the_retention()
    {
        var handler = Handler(Config with { SecondChance = new SecondChanceConfig { Enabled = true, RetentionSeconds = 60 } });
        var before = handler.State;
        Drain(handler, "b");
        var moved = Port(p => OwnerIn(before, p) == "b");
        var stayed = Port(p => OwnerIn(before, p) == "a");
        Assert.Single(Lookup(handler, Flow(moved)).Alternates);
        Assert.Empty(Lookup(handler, Flow(moved, IpProtocol.Udp)).Alternates);
        Assert.Empty(Lookup(handler, Flow(stayed)).Alternates);
        Assert.Empty(OptionOf(handler, stayed));
        _time.Advance(TimeSpan.FromSeconds(61));
        Assert.Empty(Lookup(handler, Flow(moved)).Alternates);
        Assert.Empty(OptionOf(handler, moved));

        var off = Handler(Config with { SecondChance = null });
        Drain(off, "b");
        Assert.Empty(Lookup(off, Flow(moved)).Alternates);
    }

    [Fact]
    public void An_earlier_owner_that_left_the_config_is_named_by_its_address_only()
    {
        var handler = Handler(Config);
        var before = handler.State;
        var smaller = Config with { Dips = [.. Config.Dips.Where(d => d.Name != "b")] };
        handler.State = new MuxState(smaller, TestFrames.MuxMac, TestFrames.GatewayMac, new HashSet<string>(), handler.State, time: _time);
        var port = Port(p => OwnerIn(before, p) == "b");

        var alternate = Assert.Single(Lookup(handler, Flow(port)).Alternates);

        Assert.Equal((null, "10.0.2.2"), (alternate.Dip, alternate.Address));
        Assert.Equal(["10.0.2.2"], OptionOf(handler, port));
    }
}
