using Lb.Engine.Tests.Support;
using Lb.Core.Config;
using Lb.Core.Maglev;
using Microsoft.Extensions.Time.Testing;

namespace Lb.Engine.Tests.SecondChance;

public class PoolHistoryTests
{
    private const int Size = 7;
    private static readonly TimeSpan Retention = TimeSpan.FromSeconds(600);

    private static uint[] Owners(params uint[] owners) => owners;

    private static uint[] AlternatesOf(PoolHistory history, uint hash, uint primary, int room = EngineLimits.MaxAlternates)
    {
        Span<uint> into = stackalloc uint[room];
        return into[..history.Alternates(hash, primary, into)].ToArray();
    }

    [Fact]
    public void Alternates_are_the_earlier_owners_of_the_slot_newest_first_without_the_primary_or_repeats()
    {
        var time = new FakeTimeProvider();
        var history = PoolHistory.Empty(Size, 0, Retention, time)
            .Retire(Owners(1, 1, 1, 1, 1, 1, 1));
        time.Advance(TimeSpan.FromSeconds(1));
        history = history.Retire(Owners(2, 2, 2, 2, 2, 2, 0));
        time.Advance(TimeSpan.FromSeconds(1));
        history = history.Retire(Owners(3, 1, 2, 3, 3, 3, 3));

        Assert.Equal([3u, 2, 1], AlternatesOf(history, 0, primary: 9));
        Assert.Equal([3u, 2, 1], AlternatesOf(history, Size * 5, primary: 9)); // the slot is hash % size
        Assert.Equal([1u, 2], AlternatesOf(history, 1, primary: 9));            // 1 is listed once
        Assert.Equal([2u, 1], AlternatesOf(history, 0, primary: 3));            // the primary is no alternate
        Assert.Equal([3u, 1], AlternatesOf(history, 6, primary: 9));            // 0: the slot had no owner
        Assert.Equal([3u], AlternatesOf(history, 0, primary: 9, room: 1));      // at most the caller's room
        Assert.Equal([3L, 2, 1], history.Versions.Select(v => v.Version));
    }

    [Fact]
    public void Versions_expire_after_the_retention_and_at_most_MaxPoolVersions_are_kept()
    {
        var time = new FakeTimeProvider();
        var history = PoolHistory.Empty(Size, 0, Retention, time);
        for (uint owner = 1; owner <= EngineLimits.MaxPoolVersions + 2; owner++)
        {
            history = history.Retire(Enumerable.Repeat(owner, Size).ToArray());
            time.Advance(TimeSpan.FromSeconds(100));
        }
        Assert.Equal(EngineLimits.MaxPoolVersions, history.Versions.Count);
        Assert.Equal([6u, 5, 4], AlternatesOf(history, 0, primary: 99));
        Assert.Equal(2L * EngineLimits.MaxPoolVersions * Size * sizeof(uint), history.MemoryBytes);

        // Now is 600 s; versions 6..3 retired at 500, 400, 300 and 200 s. At 901 s only 6 and 5 are within 600 s.
        time.Advance(TimeSpan.FromSeconds(301));
        Assert.Equal([6u, 5], AlternatesOf(history, 0, primary: 99));
        time.Advance(TimeSpan.FromSeconds(400));
        Assert.Empty(AlternatesOf(history, 0, primary: 99));
        // The next change drops what expired.
        history = history.Retire(Enumerable.Repeat(7u, Size).ToArray());
        Assert.Equal([7L], history.Versions.Select(v => v.Version));
    }

    [Fact]
    public void A_table_that_comes_back_is_kept_once()
    {
        var time = new FakeTimeProvider();
        uint[] a = [1, 1, 1, 1, 1, 1, 1], b = [1, 2, 1, 2, 1, 2, 1];
        var history = PoolHistory.Empty(Size, 0, Retention, time).Retire(a).Retire(b).Retire(a).Retire(b);
        Assert.Equal(2, history.Versions.Count);
        Assert.Equal([b, a], history.Versions.Select(v => v.Owners));
    }

    [Fact]
    public void A_shorter_retention_prunes_and_a_wrong_size_is_refused()
    {
        var time = new FakeTimeProvider();
        var history = PoolHistory.Empty(Size, 0, Retention, time).Retire(new uint[Size]);
        time.Advance(TimeSpan.FromSeconds(60));
        Assert.Empty(history.WithRetention(TimeSpan.FromSeconds(30)).Versions);
        Assert.Throws<ArgumentException>(() => history.Retire(new uint[Size + 1]));
        Assert.Empty(PoolHistory.Of(Size, 0, Retention, time, [new PoolVersion(1, time.GetUtcNow(), new uint[Size + 1])]).Versions);
    }

    [Fact]
    public void Alternates_do_not_allocate()
    {
        var time = new FakeTimeProvider();
        var history = PoolHistory.Empty(Size, 0, Retention, time).Retire(Owners(1, 2, 3, 4, 5, 6, 7)).Retire(Owners(7, 6, 5, 4, 3, 2, 1));
        var into = new uint[EngineLimits.MaxAlternates];
        history.Alternates(1, 9, into);
        var total = 0;
        AllocationAssert.NothingPerCall(() =>
        {
            for (uint hash = 0; hash < 10_000; hash++) total += history.Alternates(hash, 4, into);
        }, 10_000);
        Assert.True(total > 0);
    }

    [Fact]
    public void With_the_system_clock_versions_expire_on_the_coarse_clock_from_their_wall_clock_retirement()
    {
        var time = TimeProvider.System;
        var now = time.GetUtcNow();
        // Read back from a file: retired 590 s and 5 s ago, kept 600 s: both alternates for now, the older one
        // expires 10 s from now (not waited for: the fresh one below is).
        var history = PoolHistory.Of(Size, 0, Retention, time,
            [new PoolVersion(1, now - TimeSpan.FromSeconds(590), Owners(1, 1, 1, 1, 1, 1, 1)),
             new PoolVersion(2, now - TimeSpan.FromSeconds(5), Owners(2, 2, 2, 2, 2, 2, 2))]);
        Assert.Equal([2u, 1], AlternatesOf(history, 0, primary: 9));

        var shortLived = PoolHistory.Empty(Size, 0, TimeSpan.FromMilliseconds(200), time).Retire(Owners(3, 3, 3, 3, 3, 3, 3));
        Assert.Equal([3u], AlternatesOf(shortLived, 0, primary: 9));
        Thread.Sleep(500);
        Assert.Empty(AlternatesOf(shortLived, 0, primary: 9));
    }
}
