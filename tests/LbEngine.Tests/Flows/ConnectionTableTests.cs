using Lb.Core.Addressing;
using Lb.Core.Flows;
using Microsoft.Extensions.Time.Testing;

namespace Lb.Engine.Tests.Flows;

public class ConnectionTableTests
{
    private static FlowKey Key(int i) => FlowKey.Create(new Ipv4Address(0x0A000000u + (uint)i), (ushort)(1024 + i % 50000), Ipv4Address.Parse("20.0.0.1"), 80, 6);
    private static uint Hash(FlowKey key) => FlowHash.Compute(key, 0);

    [Fact]
    public void Remembers_flows_and_forgets_them_after_the_idle_timeout()
    {
        var time = new FakeTimeProvider();
        var table = new ConnectionTable(1024, TimeSpan.FromSeconds(120), time);
        var key = Key(1);
        table.Set(key, Hash(key), 42);

        time.Advance(TimeSpan.FromSeconds(100));
        Assert.True(table.TryGet(key, Hash(key), out var value)); // refreshes the entry
        Assert.Equal(42, value);
        time.Advance(TimeSpan.FromSeconds(100));
        Assert.True(table.TryGet(key, Hash(key), out _));
        Assert.Equal(1, table.CountLive());

        time.Advance(TimeSpan.FromSeconds(121));
        Assert.Equal(0, table.CountLive());
        Assert.False(table.TryGet(key, Hash(key), out _));
        Assert.Equal(1, table.Expirations);
    }

    [Fact]
    public void A_full_bucket_evicts_its_least_recently_used_flow()
    {
        var time = new FakeTimeProvider();
        var table = new ConnectionTable(ConnectionTable.Ways, TimeSpan.FromSeconds(60), time); // one bucket
        for (var i = 0; i < ConnectionTable.Ways; i++)
        {
            table.Set(Key(i), Hash(Key(i)), i);
            time.Advance(TimeSpan.FromSeconds(1));
        }
        Assert.True(table.TryGet(Key(0), Hash(Key(0)), out _)); // 0 is now the most recent; 1 the oldest
        table.Set(Key(100), Hash(Key(100)), 100);

        Assert.Equal(1, table.Evictions);
        Assert.False(table.TryGet(Key(1), Hash(Key(1)), out _));
        Assert.True(table.TryGet(Key(0), Hash(Key(0)), out _));
        Assert.True(table.TryGet(Key(100), Hash(Key(100)), out _));
        Assert.Equal(ConnectionTable.Ways, table.CountLive());
    }

    [Fact]
    public void Stays_bounded_under_pressure_and_allocates_nothing_when_warm()
    {
        var time = new FakeTimeProvider();
        var table = new ConnectionTable(4096, TimeSpan.FromSeconds(60), time);
        for (var i = 0; i < 20_000; i++) table.Set(Key(i), Hash(Key(i)), i);
        Assert.InRange(table.CountLive(), 1, table.Capacity);
        Assert.True(table.Evictions > 0);

        var keys = Enumerable.Range(0, 20_000).Select(Key).ToArray();
        var hashes = keys.Select(Hash).ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < keys.Length; i++)
        {
            if (!table.TryGet(keys[i], hashes[i], out _)) table.Set(keys[i], hashes[i], i);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Set_updates_and_remove_forgets()
    {
        var table = new ConnectionTable(64, TimeSpan.FromSeconds(60), new FakeTimeProvider());
        var key = Key(3);
        table.Set(key, Hash(key), 1);
        table.Set(key, Hash(key), 2);
        Assert.True(table.TryGet(key, Hash(key), out var value));
        Assert.Equal(2, value);
        Assert.Equal(1, table.CountLive());
        Assert.True(table.Remove(key, Hash(key)));
        Assert.False(table.TryGet(key, Hash(key), out _));
    }
}
