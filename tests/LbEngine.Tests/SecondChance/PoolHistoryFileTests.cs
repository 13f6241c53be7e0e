using Lb.Core.Maglev;
using Microsoft.Extensions.Time.Testing;

namespace Lb.Engine.Tests.SecondChance;

public class PoolHistoryFileTests
{
    private const int Size = 11;
    private static readonly TimeSpan Retention = TimeSpan.FromSeconds(600);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T20:00:00Z"));

    private PoolHistory TwoVersions()
    {
        var history = PoolHistory.Empty(Size, 7, Retention, _time).Retire(Enumerable.Range(1, Size).Select(i => (uint)i).ToArray());
        _time.Advance(TimeSpan.FromSeconds(100));
        return history.Retire(Enumerable.Range(1, Size).Select(i => (uint)(100 + i)).ToArray());
    }

    [Fact]
    public void Round_trips_through_a_file_replaced_atomically()
    {
        var directory = Directory.CreateTempSubdirectory("lbph-");
        try
        {
            var path = PoolHistoryFile.PathFor(Path.Combine(directory.FullName, "h1-mux.sock"));
            Assert.Equal(Path.Combine(directory.FullName, "h1-mux.pool-history"), path);
            Assert.Null(PoolHistoryFile.Read(path, Size, 7, Retention, _time, out var why));
            Assert.Null(why); // no file: no history, nothing wrong

            var history = TwoVersions();
            PoolHistoryFile.Write(path, PoolHistory.Empty(Size, 7, Retention, _time));
            PoolHistoryFile.Write(path, history);
            Assert.Equal([Path.GetFileName(path)], directory.GetFiles().Select(f => f.Name));
            Assert.Equal(20 + 2 * (16 + 4 * Size), new FileInfo(path).Length);

            var read = PoolHistoryFile.Read(path, Size, 7, Retention, _time, out why)!;
            Assert.Null(why);
            Assert.Equal(history.Versions.Select(v => (v.Version, v.RetiredAt)), read.Versions.Select(v => (v.Version, v.RetiredAt)));
            Assert.Equal(history.Versions.Select(v => v.Owners), read.Versions.Select(v => v.Owners));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Expired_versions_are_dropped_when_read()
    {
        var bytes = PoolHistoryFile.Serialize(TwoVersions());
        _time.Advance(TimeSpan.FromSeconds(550)); // the first retired 650 s ago, the second 550 s ago
        var read = PoolHistoryFile.Deserialize(bytes, Size, 7, Retention, _time, out _)!;
        Assert.Equal([2L], read.Versions.Select(v => v.Version));
    }

    [Fact]
    public void A_file_of_another_table_or_a_damaged_one_is_refused_with_the_reason()
    {
        var bytes = PoolHistoryFile.Serialize(TwoVersions());
        string? Why(byte[] b, int size = Size, uint seed = 7)
        {
            Assert.Null(PoolHistoryFile.Deserialize(b, size, seed, Retention, _time, out var why));
            return why;
        }
        Assert.Contains("table size 11 and seed 7, the config has 13 and 7", Why(bytes, size: 13));
        Assert.Contains("the config has 11 and 8", Why(bytes, seed: 8));
        Assert.Contains("does not match 2 versions", Why(bytes[..^4]));
        Assert.Contains("not a pool history file", Why([.. "JUNK"u8, .. bytes[4..]]));
        Assert.Contains("not a pool history file", Why([]));
        var hugeCount = (byte[])bytes.Clone();
        hugeCount[16] = 0xFF;
        hugeCount[17] = 0xFF;
        hugeCount[18] = 0xFF;
        hugeCount[19] = 0x7F;
        Assert.Contains("does not match", Why(hugeCount));
        var badTime = (byte[])bytes.Clone();
        badTime[20 + 8 + 7] = 0x7F; // first version's retirement time: far beyond year 9999
        Assert.Contains("impossible retirement time", Why(badTime));
    }
}
