using Lb.Core.Config;

namespace Lb.Core.Maglev;

/// <summary>A retired Maglev table: the owner (DIP address, host order; 0: none) of every slot until <see cref="RetiredAt"/>.</summary>
public sealed record PoolVersion(long Version, DateTimeOffset RetiredAt, uint[] Owners);

/// <summary>
/// The mux's memory of earlier pools for the second chance: every time its Maglev table changes, the old table's
/// owner per slot is kept (newest first) for <see cref="Retention"/>, at most <see cref="EngineLimits.MaxPoolVersions"/>
/// of them, so a flow hashed by the new table can name the DIPs that owned its slot before. Immutable: a change
/// builds a new history, swapped in with the mux state. Memory: twice versions x table size x 4 bytes (the versions,
/// and the same owners laid out slot by slot for the packet path).
/// </summary>
public sealed class PoolHistory
{
    private readonly PoolVersion[] _versions;
    private readonly TimeProvider _time;
    /// <summary>
    /// Slot s's owner in version v (newest first) at <c>s * versions + v</c>: a packet reads one cache line, where the
    /// versions' own arrays would cost a miss each on a large table.
    /// </summary>
    private readonly uint[] _ownersBySlot;
    /// <summary>
    /// When each version leaves the retention, as a timestamp of the provider's monotonic clock: a marked packet reads
    /// that clock (the engine gives <see cref="Flows.CoarseTimeProvider"/>, a few ns a read), never the wall clock.
    /// </summary>
    private readonly long[] _deadlines;

    private PoolHistory(int tableSize, uint seed, TimeSpan retention, TimeProvider time, PoolVersion[] versions)
    {
        TableSize = tableSize;
        Seed = seed;
        Retention = retention;
        _time = time;
        _versions = versions;
        _ownersBySlot = new uint[versions.Length * tableSize];
        _deadlines = new long[versions.Length];
        var utcNow = time.GetUtcNow();
        var now = time.GetTimestamp();
        for (var v = 0; v < versions.Length; v++)
        {
            var owners = versions[v].Owners;
            for (var slot = 0; slot < tableSize; slot++) _ownersBySlot[slot * versions.Length + v] = owners[slot];
            var deadline = versions[v].RetiredAt + retention;
            _deadlines[v] = now + (long)Math.Ceiling((deadline - utcNow).TotalSeconds * time.TimestampFrequency);
        }
    }

    public int TableSize { get; }
    public uint Seed { get; }
    public TimeSpan Retention { get; }
    /// <summary>Newest first.</summary>
    public IReadOnlyList<PoolVersion> Versions => _versions;
    public long MemoryBytes => 2L * _versions.Length * TableSize * sizeof(uint);

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
        var depth = _versions.Length;
        if (depth == 0 || alternates.Length == 0) return 0;
        var owners = _ownersBySlot.AsSpan((int)(flowHash % (uint)TableSize) * depth, depth);
        // The clock is read only once a candidate turns up: most slots did not move, and their packets skip it.
        long now = -1;
        var count = 0;
        for (var v = 0; v < owners.Length; v++)
        {
            var owner = owners[v];
            if (owner == 0 || owner == primary || alternates[..count].Contains(owner)) continue;
            if (now < 0) now = _time.GetTimestamp();
            if (now > _deadlines[v]) break; // newest first: the rest are older still
            if (!versions.IsEmpty) versions[count] = v;
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
