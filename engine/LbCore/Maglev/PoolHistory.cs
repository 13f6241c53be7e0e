using Lb.Core.Config;

namespace Lb.Core.Maglev;

/// <summary>A retired Maglev table: the owner (DIP address, host order; 0: none) of every slot until <see cref="RetiredAt"/>.</summary>
public sealed record PoolVersion(long Version, DateTimeOffset RetiredAt, uint[] Owners);

/// <summary>
/// The mux's memory of earlier pools for the second chance: every time its Maglev table changes, the old table's
/// owner per slot is kept (newest first) for <see cref="Retention"/>, at most <see cref="EngineLimits.MaxPoolVersions"/>
/// of them, so a flow hashed by the new table can name the DIPs that owned its slot before. Immutable: a change
/// builds a new history, swapped in with the mux state. Memory: versions x table size x 4 bytes.
/// </summary>
public sealed class PoolHistory
{
    private readonly PoolVersion[] _versions;
    private readonly TimeProvider _time;

    private PoolHistory(int tableSize, uint seed, TimeSpan retention, TimeProvider time, PoolVersion[] versions)
    {
        TableSize = tableSize;
        Seed = seed;
        Retention = retention;
        _time = time;
        _versions = versions;
    }

    public int TableSize { get; }
    public uint Seed { get; }
    public TimeSpan Retention { get; }
    /// <summary>Newest first.</summary>
    public IReadOnlyList<PoolVersion> Versions => _versions;
    public long MemoryBytes => (long)_versions.Length * TableSize * sizeof(uint);

    public static PoolHistory Empty(int tableSize, uint seed, TimeSpan retention, TimeProvider time) => new(tableSize, seed, retention, time, []);

    /// <summary>
    /// A history of the given versions (e.g. read back from disk): those expired, of another table size, or beyond
    /// <see cref="EngineLimits.MaxPoolVersions"/> are left out.
    /// </summary>
    public static PoolHistory Of(int tableSize, uint seed, TimeSpan retention, TimeProvider time, IEnumerable<PoolVersion> versions) =>
        new PoolHistory(tableSize, seed, retention, time, versions.Where(v => v.Owners.Length == tableSize)
            .OrderByDescending(v => v.RetiredAt).ThenByDescending(v => v.Version).ToArray()).Pruned();

    /// <summary>The table whose owners are <paramref name="owners"/> was replaced now: a new history with it as the newest version.</summary>
    public PoolHistory Retire(uint[] owners)
    {
        if (owners.Length != TableSize) throw new ArgumentException($"{owners.Length} owners for a table of {TableSize} slots", nameof(owners));
        var version = new PoolVersion(_versions.Length == 0 ? 1 : _versions[0].Version + 1, _time.GetUtcNow(), owners);
        // A table that comes back (a DIP down and up again) is kept once, as its latest retirement: flaps do not push out older pools.
        var older = _versions.Where(v => !v.Owners.AsSpan().SequenceEqual(owners));
        return new PoolHistory(TableSize, Seed, Retention, _time, [version, .. older]).Pruned();
    }

    /// <summary>How long ago <paramref name="version"/>'s table was replaced, on this history's clock.</summary>
    public TimeSpan AgeOf(PoolVersion version) => _time.GetUtcNow() - version.RetiredAt;

    /// <summary>The same versions with another retention (a reload changed it).</summary>
    public PoolHistory WithRetention(TimeSpan retention) =>
        retention == Retention ? Pruned() : new PoolHistory(TableSize, Seed, retention, _time, _versions).Pruned();

    /// <summary>
    /// Writes into <paramref name="alternates"/> the distinct earlier owners of the flow's slot, newest first, without
    /// <paramref name="primary"/> and without versions older than <see cref="Retention"/>; returns how many (at most
    /// the span's length). No allocation: called per packet.
    /// </summary>
    public int Alternates(uint flowHash, uint primary, Span<uint> alternates) => Alternates(flowHash, primary, alternates, default);

    /// <summary>
    /// The same alternates; when <paramref name="versions"/> is not empty (as long as <paramref name="alternates"/>)
    /// it also gets, per alternate, the index in <see cref="Versions"/> of the newest table that gave it the slot, so a
    /// query can say when that table was replaced.
    /// </summary>
    public int Alternates(uint flowHash, uint primary, Span<uint> alternates, Span<int> versions)
    {
        var history = _versions;
        if (history.Length == 0 || alternates.Length == 0) return 0;
        var slot = (int)(flowHash % (uint)TableSize);
        // The clock is read only once a candidate turns up: most slots did not move, and their packets skip it.
        DateTimeOffset? oldest = null;
        var count = 0;
        for (var i = 0; i < history.Length; i++)
        {
            var version = history[i];
            var owner = version.Owners[slot];
            if (owner == 0 || owner == primary || alternates[..count].Contains(owner)) continue;
            oldest ??= _time.GetUtcNow() - Retention;
            if (version.RetiredAt < oldest) break; // newest first: the rest are older still
            if (!versions.IsEmpty) versions[count] = i;
            alternates[count++] = owner;
            if (count == alternates.Length) break;
        }
        return count;
    }

    private PoolHistory Pruned()
    {
        var oldest = _time.GetUtcNow() - Retention;
        var kept = _versions.TakeWhile(v => v.RetiredAt >= oldest).Take(EngineLimits.MaxPoolVersions).ToArray();
        return kept.Length == _versions.Length ? this : new PoolHistory(TableSize, Seed, Retention, _time, kept);
    }
}
