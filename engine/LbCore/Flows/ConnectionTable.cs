namespace Lb.Core.Flows;

/// <summary>
/// A bounded flow -> value (the mux stores a DIP id) table: set-associative (8 ways per bucket, like a CPU cache or
/// Katran's LRU map), no allocation after construction. An entry unused for the idle timeout is free to reuse; when a
/// bucket is full of live flows the least recently used one is evicted. Time comes from an injected
/// <see cref="TimeProvider"/>. One writer thread; <see cref="CountLive"/>, <see cref="ForEachLive"/>, <see cref="TryPeek"/>
/// and <see cref="Snapshot"/> only read and may be called from another thread: they copy each entry without a lock,
/// so an entry the writer rewrites at that instant may be missed or read half old, half new (counts are then
/// approximate; callers check what they read, e.g. that the value is a known DIP).
/// </summary>
public sealed class ConnectionTable
{
    public const int Ways = 8;

    private readonly Entry[] _entries;
    /// <summary>
    /// The hash each slot's flow was stored with: <see cref="TryGet"/> reads a bucket's 8 tags (one cache line) and
    /// then only the entry whose tag matches, where comparing keys would walk the bucket's entries (several lines).
    /// </summary>
    private readonly uint[] _tags;
    private readonly int _bucketMask;
    private readonly TimeProvider _time;
    private readonly long _idleTicks;

    public ConnectionTable(int capacity, TimeSpan idleTimeout, TimeProvider time)
    {
        var buckets = Buckets(capacity, idleTimeout);
        _entries = new Entry[buckets * Ways];
        _tags = new uint[buckets * Ways];
        _bucketMask = buckets - 1;
        _time = time;
        _idleTicks = (long)(idleTimeout.TotalSeconds * time.TimestampFrequency);
        IdleTimeout = idleTimeout;
    }

    /// <summary>
    /// How many buckets of <see cref="Ways"/> slots hold <paramref name="capacity"/> flows (a power of two, so a hash
    /// picks one with a mask); also <see cref="FlowFingerprintSet"/>'s, which has as many ways.
    /// </summary>
    internal static int Buckets(int capacity, TimeSpan idleTimeout)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idleTimeout, TimeSpan.Zero);
        return (int)Math.Max(1, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)((capacity + Ways - 1) / Ways)));
    }

    /// <summary>Slots available (capacity rounded up to whole buckets of <see cref="Ways"/>).</summary>
    public int Capacity => _entries.Length;
    public TimeSpan IdleTimeout { get; }
    /// <summary>Live flows pushed out because their bucket was full.</summary>
    public long Evictions { get; private set; }
    /// <summary>Flows whose entry was reused after it had been idle for the timeout.</summary>
    public long Expirations { get; private set; }

    /// <summary>
    /// Looks a flow up and, when found and not idle past the timeout, marks it used now. <paramref name="hash"/> is the
    /// one the flow was <see cref="Set"/> with.
    /// </summary>
    public bool TryGet(in FlowKey key, uint hash, out int value)
    {
        var now = _time.GetTimestamp();
        var start = (int)(hash & (uint)_bucketMask) * Ways;
        for (var i = start; i < start + Ways; i++)
        {
            if (_tags[i] != hash) continue;
            ref var entry = ref _entries[i];
            if (entry.InUse && entry.Key == key)
            {
                if (now - entry.LastSeen > _idleTicks)
                {
                    entry.InUse = false;
                    Expirations++;
                    break;
                }
                entry.LastSeen = now;
                value = entry.Value;
                return true;
            }
        }
        value = 0;
        return false;
    }

    /// <summary>Inserts or updates a flow; reuses a free or idle slot, else evicts the bucket's least recently used flow.</summary>
    public void Set(in FlowKey key, uint hash, int value)
    {
        var now = _time.GetTimestamp();
        var start = (int)(hash & (uint)_bucketMask) * Ways;
        var victim = -1;
        var victimSeen = long.MaxValue;
        var free = -1;
        for (var i = start; i < start + Ways; i++)
        {
            ref var entry = ref _entries[i];
            if (!entry.InUse)
            {
                if (free < 0) free = i;
                continue;
            }
            if (entry.Key == key)
            {
                // A new pick for a known 5-tuple is a new connection (a SYN on a reused port): its age starts again.
                entry.Value = value;
                entry.LastSeen = now;
                entry.Created = now;
                _tags[i] = hash;
                return;
            }
            if (now - entry.LastSeen > _idleTicks)
            {
                if (free < 0) { free = i; Expirations++; entry.InUse = false; }
                continue;
            }
            if (entry.LastSeen < victimSeen)
            {
                victimSeen = entry.LastSeen;
                victim = i;
            }
        }
        if (free < 0)
        {
            free = victim;
            Evictions++;
        }
        _entries[free] = new Entry { Key = key, Value = value, LastSeen = now, Created = now, InUse = true };
        _tags[free] = hash;
    }

    public bool Remove(in FlowKey key, uint hash)
    {
        var start = (int)(hash & (uint)_bucketMask) * Ways;
        for (var i = start; i < start + Ways; i++)
        {
            ref var entry = ref _entries[i];
            if (entry.InUse && entry.Key == key)
            {
                entry.InUse = false;
                return true;
            }
        }
        return false;
    }

    /// <summary>Counts flows not idle past the timeout (a scan: call it for stats, not per packet).</summary>
    public int CountLive()
    {
        var now = _time.GetTimestamp();
        var count = 0;
        for (var i = 0; i < _entries.Length; i++)
        {
            var entry = _entries[i];
            if (entry.InUse && now - entry.LastSeen <= _idleTicks) count++;
        }
        return count;
    }

    /// <summary>Calls <paramref name="visit"/> with the value of every live flow (for stats: flows per DIP).</summary>
    public void ForEachLive(Action<int> visit)
    {
        var now = _time.GetTimestamp();
        for (var i = 0; i < _entries.Length; i++)
        {
            var entry = _entries[i];
            if (entry.InUse && now - entry.LastSeen <= _idleTicks) visit(entry.Value);
        }
    }

    /// <summary>
    /// Reads a flow without touching it (no LRU update, no expiry): for a query from another thread. False when
    /// absent or idle past the timeout (the next packet would pick again).
    /// </summary>
    public bool TryPeek(in FlowKey key, uint hash, out ConnectionEntry found)
    {
        var now = _time.GetTimestamp();
        var start = (int)(hash & (uint)_bucketMask) * Ways;
        for (var i = start; i < start + Ways; i++)
        {
            var entry = _entries[i];
            if (entry.InUse && entry.Key == key && now - entry.LastSeen <= _idleTicks)
            {
                found = EntryOf(entry, now);
                return true;
            }
        }
        found = default;
        return false;
    }

    /// <summary>
    /// Up to <paramref name="limit"/> live flows, most recently used first, and how many were live in all: the scan
    /// keeps the <paramref name="limit"/> least idle ones in a bounded heap (O(n log limit), allocation bounded by the limit).
    /// </summary>
    public ConnectionSnapshot Snapshot(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 0);
        var now = _time.GetTimestamp();
        var kept = new PriorityQueue<Entry, long>(Math.Min(limit, 1024) + 1); // the root is the most idle kept
        var live = 0;
        for (var i = 0; i < _entries.Length; i++)
        {
            var entry = _entries[i];
            if (!entry.InUse || now - entry.LastSeen > _idleTicks) continue;
            live++;
            if (limit == 0) continue;
            if (kept.Count < limit) kept.Enqueue(entry, entry.LastSeen);
            else if (kept.TryPeek(out _, out var oldest) && entry.LastSeen > oldest) kept.EnqueueDequeue(entry, entry.LastSeen);
        }
        var entries = new ConnectionEntry[kept.Count];
        for (var i = entries.Length - 1; i >= 0; i--) entries[i] = EntryOf(kept.Dequeue(), now);
        return new ConnectionSnapshot(entries, live);
    }

    private ConnectionEntry EntryOf(in Entry entry, long now) =>
        new(entry.Key, entry.Value, Elapsed(entry.Created, now), Elapsed(entry.LastSeen, now));

    private TimeSpan Elapsed(long since, long now) =>
        TimeSpan.FromSeconds(Math.Max(0, now - since) / (double)_time.TimestampFrequency);

    private struct Entry
    {
        public FlowKey Key;
        public int Value;
        public long LastSeen;
        public long Created;
        public bool InUse;
    }
}

/// <summary>A live flow as read from the table: its key, its value (the mux: a DIP address), since when and how long idle.</summary>
public readonly record struct ConnectionEntry(FlowKey Key, int Value, TimeSpan Age, TimeSpan Idle);

/// <summary>Some live flows (most recently used first) and how many were live during the scan.</summary>
public sealed record ConnectionSnapshot(IReadOnlyList<ConnectionEntry> Entries, int Live)
{
    public bool Truncated => Entries.Count < Live;
}
