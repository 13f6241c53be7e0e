using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Maglev;
using Lb.Core.Packets;

namespace Lb.Engine.Tests.Maglev;

public class MaglevTableTests
{
    private static MaglevBackend[] Backends(int count, int weight = 1) =>
        Enumerable.Range(0, count).Select(i => new MaglevBackend($"d{i}", new Ipv4Address(0x0A130000u + (uint)i * 7 + 2), weight)).ToArray();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1000)]
    public void Table_is_full_and_each_dip_gets_its_share_within_one_percent(int count)
    {
        var table = MaglevTable.Build(Backends(count));
        var counts = table.SlotCounts();
        Assert.Equal(EngineDefaults.TableSize, counts.Sum());
        Assert.DoesNotContain(-1, table.Slots());
        var share = (double)EngineDefaults.TableSize / count;
        Assert.All(counts, c => Assert.InRange(Math.Abs(c - share) / share, 0, 0.01));
    }

    [Theory]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(1000)]
    public void Removing_one_dip_moves_few_of_the_others_slots(int count)
    {
        var backends = Backends(count);
        var before = MaglevTable.Build(backends);
        var removed = count / 2;
        var after = MaglevTable.Build(backends.Where((_, i) => i != removed).ToArray());
        var beforeSlots = before.Slots();
        var afterSlots = after.Slots();
        var othersSlots = 0;
        var moved = 0;
        for (var slot = 0; slot < beforeSlots.Length; slot++)
        {
            var owner = before.Backends[beforeSlots[slot]].Name;
            if (owner == $"d{removed}") continue;
            othersSlots++;
            if (after.Backends[afterSlots[slot]].Name != owner) moved++;
        }
        Assert.InRange((double)moved / othersSlots, 0, 1.0 / count + 0.02);
    }

    [Fact]
    public void Weights_are_honoured_and_weight_zero_gets_nothing()
    {
        var backends = new[]
        {
            new MaglevBackend("a", Ipv4Address.Parse("10.0.0.1"), 1),
            new MaglevBackend("b", Ipv4Address.Parse("10.0.0.2"), 2),
            new MaglevBackend("c", Ipv4Address.Parse("10.0.0.3"), 3),
            new MaglevBackend("z", Ipv4Address.Parse("10.0.0.4"), 0),
        };
        var counts = MaglevTable.Build(backends).SlotCounts();
        var unit = EngineDefaults.TableSize / 6.0;
        Assert.InRange(counts[0], unit * 0.99, unit * 1.01);
        Assert.InRange(counts[1], 2 * unit * 0.99, 2 * unit * 1.01);
        Assert.InRange(counts[2], 3 * unit * 0.99, 3 * unit * 1.01);
        Assert.Equal(0, counts[3]);
    }

    [Fact]
    public void Same_set_gives_the_same_table_whatever_the_order()
    {
        var backends = Backends(17);
        var shuffled = backends.Reverse().ToArray();
        new Random(3).Shuffle(shuffled);
        var a = MaglevTable.Build(backends, 65537, 9);
        var b = MaglevTable.Build(shuffled, 65537, 9);
        var aSlots = a.Slots();
        var bSlots = b.Slots();
        for (var slot = 0; slot < a.Size; slot++)
            Assert.Equal(a.Backends[aSlots[slot]].Name, b.Backends[bSlots[slot]].Name);
        var key = FlowKey.Create(Ipv4Address.Parse("10.5.3.2"), 40000, Ipv4Address.Parse("20.0.0.1"), 80, IpProtocol.Tcp);
        Assert.Equal(a.Lookup(key)!.Name, b.Lookup(key)!.Name);
        Assert.NotEqual(MaglevTable.Build(backends, 65537, 9).Slots(), MaglevTable.Build(backends, 65537, 10).Slots());
    }

    [Fact]
    public void No_weighted_backend_means_no_lookup_result()
    {
        var table = MaglevTable.Build([new MaglevBackend("a", Ipv4Address.Parse("10.0.0.1"), 0)], 251);
        Assert.False(table.HasBackends);
        Assert.Equal(-1, table.Lookup(12345u));
        Assert.Null(table.Lookup(FlowKey.Create(Ipv4Address.Parse("1.2.3.4"), 1, Ipv4Address.Parse("20.0.0.1"), 80, 6)));
    }

    [Fact]
    public void Size_must_be_prime_and_addresses_unique()
    {
        Assert.Throws<ArgumentException>(() => MaglevTable.Build(Backends(2), 65536));
        var twice = new[] { new MaglevBackend("a", Ipv4Address.Parse("10.0.0.1")), new MaglevBackend("b", Ipv4Address.Parse("10.0.0.1")) };
        Assert.Throws<ArgumentException>(() => MaglevTable.Build(twice, 251));
    }
}
