using Lb.Core.Addressing;
using Lb.Core.Flows;
using Lb.Core.Packets;
using Lb.Core.Stats;
using Lb.Engine.Mux;
using Lb.Engine.Tests.Support;

namespace Lb.Engine.Tests.Mux;

/// <summary>
/// The mux's runtime verbs without a packet path: `weight NAME N` (<see cref="DipOverrides"/> into a rebuilt
/// <see cref="MuxState"/>, established flows kept), `lookup` and `conns` (<see cref="MuxQueries"/> over the
/// handler's connection table, read-only).
/// </summary>
public class MuxRuntimeControlTests
{
    private readonly byte[] _output = new byte[MuxPacketHandler.OutputBufferSize];
    private static readonly uint A = Ipv4Address.Parse("10.0.1.2").Value;
    private static readonly uint B = Ipv4Address.Parse("10.0.2.2").Value;

    private uint Send(MuxPacketHandler handler, byte[] frame)
    {
        Assert.Equal(MuxVerdict.Forward, handler.Handle(frame, _output, out var length));
        return new Ipv4Header(_output.AsSpan(14, length - 14)).DestinationValue;
    }

    private static FlowKey Flow(ushort port, string vip = TestConfigs.Vip, ushort vipPort = 80, byte protocol = IpProtocol.Tcp) =>
        FlowKey.Create(Ipv4Address.Parse("10.5.3.2"), port, Ipv4Address.Parse(vip), vipPort, protocol);

    private static MuxState Rebuild(MuxPacketHandler handler, DipOverrides overrides) =>
        new(handler.State.Config, TestFrames.MuxMac, TestFrames.GatewayMac, overrides.Drained, handler.State, weights: overrides.Weights);

    [Fact]
    public void A_runtime_weight_shifts_new_flows_and_keeps_established_ones()
    {
        var config = TestConfigs.Mux(("a", "10.0.1.2", 1), ("b", "10.0.2.2", 1));
        var handler = TestConfigs.MuxHandler(config, out _);
        var before = new Dictionary<ushort, uint>();
        for (ushort port = 1000; port < 1400; port++) before[port] = Send(handler, TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80));
        var overrides = new DipOverrides();

        Assert.True(overrides.SetWeight(config, "b", 3));
        handler.State = Rebuild(handler, overrides);

        var b = handler.State.Dips[1];
        Assert.Equal((3, 1, true, false), (b.Weight, b.Config.Weight, b.WeightOverridden, b.Drained));
        var slots = handler.State.Table.SlotCounts();
        Assert.InRange(slots[1] / (double)slots[0], 2.9, 3.1); // Maglev rebuilt with weight 3 against 1
        foreach (var (port, dip) in before) Assert.Equal(dip, Send(handler, TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80)));
        var toB = Enumerable.Range(5000, 400).Count(p => Send(handler, TestFrames.Tcp("10.5.3.2", (ushort)p, TestConfigs.Vip, 80)) == B);
        Assert.InRange(toB, 260, 340); // ~3/4 of new flows
        Assert.Equal(800, handler.State.Dips.Sum(d => d.Flows)); // counters carried over the rebuild
    }

    [Fact]
    public void The_configs_weight_clears_the_override_and_a_zero_weight_drains()
    {
        var config = TestConfigs.Mux(("a", "10.0.1.2", 1), ("b", "10.0.2.2", 0));
        var overrides = new DipOverrides();

        Assert.True(overrides.SetWeight(config, "a", 0));
        Assert.False(overrides.SetWeight(config, "a", 0)); // no change, no rebuild
        Assert.True(overrides.SetWeight(config, "b", 2));
        var state = new MuxState(config, TestFrames.MuxMac, TestFrames.GatewayMac, overrides.Drained, weights: overrides.Weights);
        Assert.True(state.Dips[0].Drained); // weight 0 at run time: drained, keeps its flows
        Assert.False(state.Dips[1].Drained); // config weight 0, runtime 2: active
        Assert.Equal(65537, state.Table.SlotCounts()[1]);

        Assert.True(overrides.SetWeight(config, "a", 1)); // the config's weight: cleared
        Assert.False(overrides.Weights.ContainsKey("a"));
        Assert.Throws<ArgumentOutOfRangeException>(() => overrides.SetWeight(config, "a", 1001));
    }

    [Fact]
    public void A_reload_keeps_overrides_of_dips_still_in_the_pool_unless_the_config_now_agrees()
    {
        var config = TestConfigs.Mux(("a", "10.0.1.2", 1), ("b", "10.0.2.2", 1), ("c", "10.0.3.2", 1));
        var overrides = new DipOverrides();
        overrides.SetWeight(config, "a", 3);
        overrides.SetWeight(config, "b", 5);
        overrides.SetWeight(config, "c", 2);
        overrides.SetDrained("c", true);

        var next = TestConfigs.Mux(("a", "10.0.1.2", 1), ("b", "10.0.2.2", 5));
        var ended = overrides.Reconcile(next);

        Assert.Equal(["b", "c"], ended.Order(StringComparer.Ordinal));
        Assert.Equal(new Dictionary<string, int> { ["a"] = 3 }, overrides.Weights);
        Assert.Empty(overrides.Drained);
    }

    [Fact]
    public void Lookup_answers_the_connection_tables_dip_for_an_established_flow_and_maglev_for_a_new_one()
    {
        var config = TestConfigs.Mux(("a", "10.0.1.2", 1), ("b", "10.0.2.2", 1));
        var handler = TestConfigs.MuxHandler(config, out var time);
        var served = Send(handler, TestFrames.Tcp("10.5.3.2", 40000, TestConfigs.Vip, 80));
        time.Advance(TimeSpan.FromSeconds(3));

        var known = MuxQueries.Lookup("h1", handler.State, [handler.Connections], Flow(40000), out var error);
        Assert.Null(error);
        Assert.Equal(FlowLookupReply.FromConnectionTable, known!.Source);
        Assert.Equal(new Ipv4Address(served).ToString(), known.DipAddress);
        Assert.Equal((3000L, 3000L), (known.AgeMs, known.IdleMs));
        Assert.Equal("tcp 10.5.3.2:40000 20.0.0.1:80", known.Flow);

        // The flow's DIP gets weight 0 at run time: it keeps the flow, and new flows follow Maglev.
        var overrides = new DipOverrides();
        var servedName = handler.State.FindDip(served)!.Name;
        overrides.SetWeight(config, servedName, 0);
        handler.State = Rebuild(handler, overrides);
        Assert.Equal(servedName, MuxQueries.Lookup("h1", handler.State, [handler.Connections], Flow(40000), out _)!.Dip);
        var fresh = MuxQueries.Lookup("h1", handler.State, [handler.Connections], Flow(40001), out _)!;
        Assert.Equal(FlowLookupReply.FromMaglev, fresh.Source);
        Assert.NotEqual(servedName, fresh.Dip);
        Assert.Null(fresh.AgeMs);
        Assert.Equal(new Ipv4Address(Send(handler, TestFrames.Tcp("10.5.3.2", 40001, TestConfigs.Vip, 80))).ToString(), fresh.DipAddress);

        // The lookup only reads: the flow's idle time is not reset by asking about it.
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(5000, MuxQueries.Lookup("h1", handler.State, [handler.Connections], Flow(40000), out _)!.IdleMs);
    }

    [Fact]
    public void Lookup_follows_maglev_when_the_remembered_dip_left_the_pool_and_says_none_without_weight()
    {
        var config = TestConfigs.Mux(("a", "10.0.1.2", 1), ("b", "10.0.2.2", 1));
        var handler = TestConfigs.MuxHandler(config, out _);
        ushort port = 40000;
        while (Send(handler, TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80)) != B) port++;

        handler.State = new MuxState(TestConfigs.Mux(("a", "10.0.1.2", 1)), TestFrames.MuxMac, TestFrames.GatewayMac, new HashSet<string>(), handler.State);
        var moved = MuxQueries.Lookup("h1", handler.State, [handler.Connections], Flow(port), out _)!;
        Assert.Equal((FlowLookupReply.FromMaglev, "a"), (moved.Source, moved.Dip));

        handler.State = new MuxState(TestConfigs.Mux(("a", "10.0.1.2", 0)), TestFrames.MuxMac, TestFrames.GatewayMac, new HashSet<string>(), handler.State);
        var none = MuxQueries.Lookup("h1", handler.State, [handler.Connections], Flow(1), out _)!;
        Assert.Equal((FlowLookupReply.NoBackend, null), (none.Source, none.Dip));
    }

    [Theory]
    [InlineData("20.0.0.2", 80, IpProtocol.Tcp, "20.0.0.2 is not a VIP of this mux (its VIPs: 20.0.0.1); the mux does not balance that flow")]
    [InlineData(TestConfigs.Vip, 81, IpProtocol.Tcp, "VIP 20.0.0.1 does not serve tcp port 81; the mux drops that flow (unserved_port)")]
    [InlineData(TestConfigs.Vip, 80, IpProtocol.Udp, "VIP 20.0.0.1 does not serve udp port 80; the mux drops that flow (unserved_port)")]
    public void Lookup_of_a_flow_the_mux_does_not_balance_is_a_one_line_error(string vip, int port, byte protocol, string message)
    {
        var handler = TestConfigs.MuxHandler(TestConfigs.Mux(), out _);
        Assert.Null(MuxQueries.Lookup("h1", handler.State, [handler.Connections], Flow(1234, vip, (ushort)port, protocol), out var error));
        Assert.Equal(message, error);
    }

    [Fact]
    public void Conns_lists_the_most_recent_flows_first_names_their_dips_and_says_when_it_was_cut()
    {
        var config = TestConfigs.Mux(("a", "10.0.1.2", 1), ("b", "10.0.2.2", 1));
        var handler = TestConfigs.MuxHandler(config, out var time);
        for (ushort port = 2000; port < 2010; port++)
        {
            Send(handler, TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80));
            time.Advance(TimeSpan.FromSeconds(1));
        }
        Send(handler, TestFrames.Udp("10.5.3.2", 5353, TestConfigs.Vip, 53));

        var all = MuxQueries.Connections("h1", handler.State, [handler.Connections], ConnectionDumpLimits.Default);
        Assert.Equal((11L, false), (all.Live, all.Truncated));
        Assert.Equal(11, all.Connections.Count);
        var first = all.Connections[0];
        Assert.Equal(("udp", "10.5.3.2:5353", "20.0.0.1:53", 0L, 0L), (first.Protocol, first.Client, first.Vip, first.AgeMs, first.IdleMs));
        Assert.Equal(("10.5.3.2:2000", 10_000L), (all.Connections[^1].Client, all.Connections[^1].IdleMs));
        Assert.All(all.Connections, c => Assert.Equal(c.Dip == "a" ? "10.0.1.2" : "10.0.2.2", c.DipAddress));

        var cut = MuxQueries.Connections("h1", handler.State, [handler.Connections], 3);
        Assert.Equal((11L, true, 3), (cut.Live, cut.Truncated, cut.Limit));
        Assert.Equal(["10.5.3.2:5353", "10.5.3.2:2009", "10.5.3.2:2008"], cut.Connections.Select(c => c.Client));

        // A flow whose DIP left the pool is listed with its address and no name (its next packet picks again).
        handler.State = new MuxState(TestConfigs.Mux(("a", "10.0.1.2", 1)), TestFrames.MuxMac, TestFrames.GatewayMac, new HashSet<string>(), handler.State);
        Assert.Contains(MuxQueries.Connections("h1", handler.State, [handler.Connections], 20).Connections, c => c.Dip is null && c.DipAddress == "10.0.2.2");

        // Idle past the timeout: gone from the dump as from the packet path.
        time.Advance(TimeSpan.FromSeconds(config.Connections.IdleTimeoutSeconds + 1));
        Assert.Equal(0, MuxQueries.Connections("h1", handler.State, [handler.Connections], 20).Live);
    }

    [Fact]
    public void With_several_packet_threads_conns_and_lookup_read_every_threads_table_and_counters_add_up()
    {
        // Two packet threads: each its own handler, table and counters, as the kernel's fanout gives each a share of the flows.
        var config = TestConfigs.Mux(("a", "10.0.1.2", 1), ("b", "10.0.2.2", 1));
        var first = TestConfigs.MuxHandler(config, out var time);
        var second = new MuxPacketHandler(new MuxState(config, TestFrames.MuxMac, TestFrames.GatewayMac, new HashSet<string>()),
            new ConnectionTable(config.Connections.Capacity, TimeSpan.FromSeconds(config.Connections.IdleTimeoutSeconds), time), new Lb.Engine.Policy.EngineCounters());
        for (ushort port = 3000; port < 3004; port++) Send(first, TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80));
        time.Advance(TimeSpan.FromSeconds(1));
        var served = Send(second, TestFrames.Tcp("10.5.3.2", 4000, TestConfigs.Vip, 80));
        ConnectionTable[] tables = [first.Connections, second.Connections];

        var all = MuxQueries.Connections("h1", first.State, tables, 20);
        Assert.Equal((5L, false), (all.Live, all.Truncated));
        Assert.Equal("10.5.3.2:4000", all.Connections[0].Client); // the most recent first, whichever thread holds it
        var cut = MuxQueries.Connections("h1", first.State, tables, 2);
        Assert.Equal((5L, true, 2), (cut.Live, cut.Truncated, cut.Connections.Count));
        var lookup = MuxQueries.Lookup("h1", first.State, tables, Flow(4000), out _)!;
        Assert.Equal((FlowLookupReply.FromConnectionTable, new Ipv4Address(served).ToString()), (lookup.Source, lookup.DipAddress));

        var sum = Lb.Engine.Policy.EngineCounters.Sum([first.Counters, second.Counters]);
        Assert.Equal((5L, 5L), (sum.PacketsIn, sum.Forwarded));
        Assert.Equal(first.Counters.BytesIn + second.Counters.BytesIn, sum.BytesIn);
    }

    [Fact]
    public void An_agent_refuses_the_mux_verbs_in_one_line()
    {
        using var agent = new Lb.Engine.Agent.AgentEngine("/nonexistent.json", TestConfigs.Agent(), new Lb.Engine.Runtime.EngineLog("agent", "h13", false, TextWriter.Null));
        Assert.Equal("{\"ok\":false,\"error\":\"an agent has no DIPs to weight; send weight to the muxes\"}", agent.Weight("h13", 2));
        Assert.Contains("an agent keeps no connection table; send conns to the muxes", agent.Connections(10));
        Assert.Contains("an agent does not balance flows; send lookup to the muxes", agent.Lookup(Flow(1)));
    }
}
