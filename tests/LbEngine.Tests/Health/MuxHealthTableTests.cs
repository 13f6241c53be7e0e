using Lb.Core.Addressing;
using Lb.Core.Flows;
using Lb.Engine.Mux;
using Lb.Engine.Tests.Support;

namespace Lb.Engine.Tests.Health;

/// <summary>What a health change does to the packet path: the Maglev table and the established flows.</summary>
public class MuxHealthTableTests
{
    private readonly byte[] _output = new byte[MuxPacketHandler.OutputBufferSize];

    private static byte[] Flow(int i) => TestFrames.Tcp($"10.5.{i / 250}.{i % 250 + 2}", (ushort)(10000 + i), TestConfigs.Vip, 80, 10);

    private string DipOf(MuxPacketHandler handler, byte[] frame)
    {
        Assert.Equal(MuxVerdict.Forward, handler.Handle(frame, _output, out _));
        return handler.LastDip!.Name;
    }

    private static MuxState WithDown(MuxPacketHandler handler, params string[] down)
    {
        var config = handler.State.Config;
        var addresses = config.Dips.Where(d => down.Contains(d.Name)).Select(d => d.Address.Value).ToHashSet();
        return new MuxState(config, TestFrames.MuxMac, TestFrames.GatewayMac, new HashSet<string>(), handler.State, addresses);
    }

    [Fact]
    public void A_down_dip_leaves_the_table_its_flows_are_rehashed_and_every_other_flow_stays()
    {
        var handler = TestConfigs.MuxHandler(TestConfigs.Mux(), out _);
        var frames = Enumerable.Range(0, 2000).Select(Flow).ToArray();
        var before = frames.Select(f => DipOf(handler, f)).ToArray();
        Assert.Equal(4, before.Distinct().Count());

        handler.State = WithDown(handler, "h14");
        Assert.True(handler.State.FindDip(Ipv4Address.Parse("10.19.14.2").Value)!.Down);
        Assert.Equal(0, handler.State.Table.SlotCounts()[1]);
        var after = frames.Select(f => DipOf(handler, f)).ToArray();
        for (var i = 0; i < frames.Length; i++)
        {
            if (before[i] == "h14") Assert.NotEqual("h14", after[i]);
            else Assert.Equal(before[i], after[i]); // established flows to the other DIPs do not move
        }

        // Back up: new flows may use h14 again; flows moved away stay where they are now (the flow table remembers).
        handler.State = WithDown(handler);
        var again = frames.Select(f => DipOf(handler, f)).ToArray();
        Assert.Equal(after, again);
        var fresh = Enumerable.Range(5000, 400).Select(Flow).Select(f => DipOf(handler, f)).ToArray();
        Assert.Contains("h14", fresh);
    }

    [Fact]
    public void Maglev_moves_only_the_down_dips_slots()
    {
        var handler = TestConfigs.MuxHandler(TestConfigs.Mux(), out _);
        var full = handler.State.Table.Slots();
        var without = WithDown(handler, "h15").Table.Slots();
        var moved = 0;
        for (var slot = 0; slot < full.Length; slot++)
            if (full[slot] != 2 && full[slot] != without[slot]) moved++;
        Assert.True(moved < full.Length * 0.03, $"{moved} of {full.Length} slots of healthy DIPs moved");
        Assert.DoesNotContain(2, without);
    }

    [Fact]
    public void Drained_and_down_are_separate_and_a_drained_dip_keeps_its_flows()
    {
        var handler = TestConfigs.MuxHandler(TestConfigs.Mux(), out _);
        var frames = Enumerable.Range(0, 400).Select(Flow).ToArray();
        var before = frames.Select(f => DipOf(handler, f)).ToArray();
        var config = handler.State.Config;
        handler.State = new MuxState(config, TestFrames.MuxMac, TestFrames.GatewayMac, new HashSet<string> { "h13" }, handler.State, new HashSet<uint>());
        var h13 = handler.State.Dips[0];
        Assert.True(h13.Drained);
        Assert.False(h13.Down);
        Assert.Equal(before, frames.Select(f => DipOf(handler, f)).ToArray()); // drained: established flows stay
    }

    [Fact]
    public void When_every_dip_is_down_the_mux_fails_open()
    {
        var handler = TestConfigs.MuxHandler(TestConfigs.Mux(), out _);
        var frames = Enumerable.Range(0, 200).Select(Flow).ToArray();
        var before = frames.Select(f => DipOf(handler, f)).ToArray();
        handler.State = WithDown(handler, "h13", "h14", "h15", "h16");
        Assert.True(handler.State.HealthIgnored);
        Assert.All(handler.State.Dips, d => Assert.False(d.Down));
        Assert.Equal(before, frames.Select(f => DipOf(handler, f)).ToArray());

        handler.State = WithDown(handler, "h13", "h14", "h15");
        Assert.False(handler.State.HealthIgnored);
        Assert.All(frames, f => Assert.Equal("h16", DipOf(handler, f)));
    }

    [Fact]
    public void Without_health_checking_nothing_changes()
    {
        var handler = TestConfigs.MuxHandler(TestConfigs.Mux(), out _);
        Assert.False(handler.State.HealthIgnored);
        Assert.All(handler.State.Dips, d => Assert.False(d.Down));
        Assert.Null(handler.State.Config.Health);
        Assert.False(handler.State.Config.HealthEnabled);
    }
}
