using Lb.Engine.Tests.Support;
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
    public void An_entry_says_whether_the_flows_opening_packet_set_it_until_it_is_set_again()
    {
        var table = new ConnectionTable(1024, TimeSpan.FromSeconds(120), new FakeTimeProvider());
        var (opened, midstream) = (Key(1), Key(2));
        table.Set(opened, Hash(opened), 7, opened: true);
        table.Set(midstream, Hash(midstream), 8);

        Assert.True(table.TryGet(opened, Hash(opened), out _, out var wasOpened) && wasOpened);
        Assert.True(table.TryGet(midstream, Hash(midstream), out _, out wasOpened) && !wasOpened);
        Assert.True(table.TryPeek(opened, Hash(opened), out var entry) && entry.Opened);
        Assert.Equal([true], table.Snapshot(10).Entries.Where(e => e.Key == opened).Select(e => e.Opened));
        table.Set(opened, Hash(opened), 9); // a new pick mid-stream (its DIP left the pool)
        Assert.True(table.TryGet(opened, Hash(opened), out var value, out wasOpened) && !wasOpened && value == 9);
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
        AllocationAssert.NothingPerCall(() =>
        {
            for (var i = 0; i < keys.Length; i++)
            {
                if (!table.TryGet(keys[i], hashes[i], out _)) table.Set(keys[i], hashes[i], i);
            }
        }, keys.Length);
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

    [Fact]
    public void Peek_and_snapshot_only_read_and_a_new_pick_restarts_a_flows_age()
    {
        var time = new FakeTimeProvider();
        var table = new ConnectionTable(1024, TimeSpan.FromSeconds(120), time);
        var key = Key(1);
        table.Set(key, Hash(key), 42);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(table.TryGet(key, Hash(key), out _));
        time.Advance(TimeSpan.FromSeconds(5));

        Assert.True(table.TryPeek(key, Hash(key), out var entry));
        Assert.Equal((42, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(5)), (entry.Value, entry.Age, entry.Idle));
        time.Advance(TimeSpan.FromSeconds(116));
        Assert.False(table.TryPeek(key, Hash(key), out _)); // idle past the timeout: not a flow any more
        Assert.Equal(0, table.Snapshot(10).Live);
        Assert.Equal(0, table.Expirations); // peeking expired nothing: the writer still owns the entry

        table.Set(key, Hash(key), 7); // picked again: a new connection
        Assert.True(table.TryPeek(key, Hash(key), out entry));
        Assert.Equal((7, TimeSpan.Zero), (entry.Value, entry.Age));
    }

    [Fact]
    public void A_snapshot_keeps_the_least_idle_flows_up_to_its_limit_and_counts_every_live_one()
    {
        var time = new FakeTimeProvider();
        var table = new ConnectionTable(4096, TimeSpan.FromSeconds(120), time);
        var order = Enumerable.Range(0, 2000).OrderBy(i => (i * 7919) % 2000).ToList(); // not the table's order
        foreach (var i in order)
        {
            table.Set(Key(i), Hash(Key(i)), i);
            time.Advance(TimeSpan.FromMilliseconds(1));
        }

        var snapshot = table.Snapshot(50);
        Assert.Equal((table.CountLive(), true), (snapshot.Live, snapshot.Truncated));
        Assert.Equal(order.AsEnumerable().Reverse().Take(50), snapshot.Entries.Select(e => e.Value));
        Assert.Equal((0, false), (table.Snapshot(0).Entries.Count, table.Snapshot(snapshot.Live).Truncated));
    }
}
