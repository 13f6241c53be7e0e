using Lb.Engine.Tests.Support;
using Lb.Core.Addressing;
using Lb.Core.Flows;
using Microsoft.Extensions.Time.Testing;

namespace Lb.Engine.Tests.Flows;

public class FlowFingerprintSetTests
{
    private static FlowKey Key(int i) => FlowKey.Create(new Ipv4Address(0x0A000000u + (uint)i), (ushort)(1024 + i % 50000), Ipv4Address.Parse("20.0.0.1"), 80, 6);

    [Fact]
    public void Remembers_flows_and_forgets_them_within_one_time_unit_after_the_idle_timeout()
    {
        var time = new FakeTimeProvider();
        var set = new FlowFingerprintSet(1024, TimeSpan.FromSeconds(120), time);
        Assert.InRange(set.TimeUnitSeconds, 0.5, 1);
        set.Add(Key(1));

        time.Advance(TimeSpan.FromSeconds(100));
        Assert.True(set.Contains(Key(1))); // seen again: the idle time starts over
        time.Advance(TimeSpan.FromSeconds(119));
        Assert.True(set.Contains(Key(1)));
        Assert.Equal(1, set.CountLive());
        Assert.False(set.Contains(Key(2)));

        time.Advance(TimeSpan.FromSeconds(120 + 2 * set.TimeUnitSeconds));
        Assert.Equal(0, set.CountLive());
        Assert.False(set.Contains(Key(1)));
    }

    [Fact]
    public void A_full_bucket_evicts_its_least_recently_seen_flow()
    {
        var time = new FakeTimeProvider();
        var set = new FlowFingerprintSet(FlowFingerprintSet.Ways, TimeSpan.FromSeconds(600), time); // one bucket
        for (var i = 0; i < FlowFingerprintSet.Ways; i++)
        {
            set.Add(Key(i));
            time.Advance(TimeSpan.FromSeconds(5));
        }
        Assert.True(set.Contains(Key(0))); // 0 is now the most recent; 1 the oldest
        set.Add(Key(100));

        Assert.Equal(1, set.Evictions);
        Assert.False(set.Contains(Key(1)));
        Assert.True(set.Contains(Key(0)));
        Assert.True(set.Contains(Key(100)));
        Assert.Equal(FlowFingerprintSet.Ways, set.CountLive());
    }

    [Fact]
    public void An_idle_slot_is_reused_before_a_live_flow_is_evicted()
    {
        var time = new FakeTimeProvider();
        var set = new FlowFingerprintSet(FlowFingerprintSet.Ways, TimeSpan.FromSeconds(60), time);
        for (var i = 0; i < FlowFingerprintSet.Ways; i++) set.Add(Key(i));
        time.Advance(TimeSpan.FromSeconds(30));
        for (var i = 1; i < FlowFingerprintSet.Ways; i++) Assert.True(set.Contains(Key(i))); // all but 0 seen again
        time.Advance(TimeSpan.FromSeconds(45));

        set.Add(Key(100));
        Assert.Equal(0, set.Evictions);
        Assert.True(set.Contains(Key(100)));
        for (var i = 1; i < FlowFingerprintSet.Ways; i++) Assert.True(set.Contains(Key(i)));
    }

    [Fact]
    public void Add_again_refreshes_and_remove_forgets()
    {
        var time = new FakeTimeProvider();
        var set = new FlowFingerprintSet(64, TimeSpan.FromSeconds(60), time);
        set.Add(Key(3));
        time.Advance(TimeSpan.FromSeconds(50));
        set.Add(Key(3));
        time.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(1, set.CountLive());
        Assert.True(set.Remove(Key(3)));
        Assert.False(set.Contains(Key(3)));
        Assert.False(set.Remove(Key(3)));
    }

    [Fact]
    public void Flows_outside_the_set_are_not_taken_for_members()
    {
        // The fingerprint has 40 bits: with 10^5 members, 10^6 strangers find a false member with a chance near 10^-6;
        // a 16-bit fingerprint would let about a dozen through.
        var set = new FlowFingerprintSet(1 << 20, TimeSpan.FromSeconds(60), new FakeTimeProvider()); // room enough that no bucket overflows
        for (var i = 0; i < 100_000; i++) set.Add(Key(i));
        Assert.Equal(0, set.Evictions);
        for (var i = 0; i < 100_000; i++) Assert.True(set.Contains(Key(i)));
        var strangers = 0;
        for (var i = 0; i < 1_000_000; i++)
        {
            var stranger = FlowKey.Create(new Ipv4Address(0x0B000000u + (uint)i), (ushort)(2000 + i % 60000), Ipv4Address.Parse("20.0.0.1"), 443, 6);
            if (set.Contains(stranger)) strangers++;
        }
        Assert.Equal(0, strangers);
    }

    [Fact]
    public void Stays_bounded_under_pressure_and_allocates_nothing_when_warm()
    {
        var time = new FakeTimeProvider();
        var set = new FlowFingerprintSet(4096, TimeSpan.FromSeconds(60), time);
        Assert.Equal(4096, set.Capacity);
        for (var i = 0; i < 20_000; i++) set.Add(Key(i));
        Assert.InRange(set.CountLive(), 1, set.Capacity);
        Assert.True(set.Evictions > 0);

        var keys = Enumerable.Range(0, 20_000).Select(Key).ToArray();
        AllocationAssert.NothingPerCall(() =>
        {
            foreach (var key in keys)
            {
                if (!set.Contains(key)) set.Add(key);
            }
        }, keys.Length);
    }

    [Fact]
    public void On_the_coarse_system_clock_time_moves_in_half_second_units()
    {
        var set = new FlowFingerprintSet(64, TimeSpan.FromSeconds(1), CoarseTimeProvider.Instance);
        Assert.Equal(0.512, set.TimeUnitSeconds);
        set.Add(Key(1));
        Assert.True(set.Contains(Key(1)));
        var start = CoarseTimeProvider.Instance.GetTimestamp();
        Thread.Sleep(20);
        Assert.InRange(CoarseTimeProvider.Instance.GetElapsedTime(start).TotalMilliseconds, 10, 10_000);
    }
}
