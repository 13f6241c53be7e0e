using System.Numerics;
using System.Runtime.CompilerServices;

namespace Lb.Core.Flows;

/// <summary>
/// A bounded set of flows for a membership question asked per packet ("is this flow mine?"): each flow is one 64-bit
/// word, a fingerprint of its key and the coarse time it was last seen, eight words a bucket, each bucket one aligned
/// cache line. A lookup reads that one line; <see cref="ConnectionTable"/> reads a tag line and then an entry
/// several times larger, which over many flows means two cache (and TLB) misses.
/// <para>
/// No key is stored, so two flows with the same fingerprint are one: the fingerprint has
/// <see cref="FingerprintBits"/> bits, from a second hash beside the one that picks the bucket, so a flow outside the
/// set is taken for a member with a chance of about eight in 2^<see cref="FingerprintBits"/> per lookup. Time is kept
/// in units of about a second (<see cref="TimeUnitSeconds"/>): a flow is forgotten between the idle timeout and one
/// unit later (and an entry left unseen for 2^24 units, about half a year, could look fresh again). An entry unused for the idle timeout is free to reuse; a full bucket evicts its least recently seen
/// flow. No allocation after construction; one writer thread.
/// </para>
/// </summary>
public sealed class FlowFingerprintSet
{
    public const int Ways = ConnectionTable.Ways;
    public const int FingerprintBits = 40;
    private const int TimeBits = 64 - FingerprintBits;
    private const ulong FingerprintMask = (1UL << FingerprintBits) - 1;
    private const uint TimeMask = (1U << TimeBits) - 1;
    private const int CacheLine = 64;
    /// <summary>The second hash's seed: any constant other than the bucket hash's 0.</summary>
    private const uint FingerprintSeed = 0x9E3779B9;

    private readonly ulong[] _words;
    /// <summary>Where bucket 0 starts in <see cref="_words"/>: the array is pinned and this offset aligns it to a cache line.</summary>
    private readonly int _origin;
    private readonly int _bucketMask;
    private readonly TimeProvider _time;
    private readonly int _timeShift;
    private readonly uint _idleUnits;

    public FlowFingerprintSet(int capacity, TimeSpan idleTimeout, TimeProvider time)
    {
        var buckets = ConnectionTable.Buckets(capacity, idleTimeout);
        var slack = CacheLine / sizeof(ulong);
        _words = GC.AllocateArray<ulong>(buckets * Ways + slack, pinned: true);
        _origin = AlignedOrigin(_words);
        _bucketMask = buckets - 1;
        _time = time;
        // A power-of-two number of ticks per unit, so the time is a shift of the timestamp, not a division.
        _timeShift = BitOperations.Log2((ulong)time.TimestampFrequency);
        TimeUnitSeconds = (double)(1L << _timeShift) / time.TimestampFrequency;
        _idleUnits = (uint)Math.Min(TimeMask / 2, Math.Ceiling(idleTimeout.TotalSeconds / TimeUnitSeconds));
        IdleTimeout = idleTimeout;
    }

    /// <summary>Slots available (capacity rounded up to whole buckets of <see cref="Ways"/>).</summary>
    public int Capacity => (_bucketMask + 1) * Ways;
    public TimeSpan IdleTimeout { get; }
    /// <summary>The time unit in seconds (between 0.5 and 1).</summary>
    public double TimeUnitSeconds { get; }
    /// <summary>Live flows pushed out because their bucket was full.</summary>
    public long Evictions { get; private set; }

    /// <summary>Whether the flow is in the set and not idle past the timeout; when it is, it counts as seen now.</summary>
    public bool Contains(in FlowKey key)
    {
        var fingerprint = Fingerprint(key, out var start);
        var now = Now();
        ref var word = ref _words[start];
        for (var i = 0; i < Ways; i++)
        {
            ref var slot = ref Unsafe.Add(ref word, i);
            if ((slot & FingerprintMask) != fingerprint) continue;
            if (Age(slot, now) > _idleUnits) return false;
            slot = Pack(fingerprint, now);
            return true;
        }
        return false;
    }

    /// <summary>Adds the flow (or marks it seen now); reuses a free or idle slot, else evicts the least recently seen.</summary>
    public void Add(in FlowKey key)
    {
        var fingerprint = Fingerprint(key, out var start);
        var now = Now();
        var free = -1;
        var victim = start;
        var victimAge = 0u;
        for (var i = start; i < start + Ways; i++)
        {
            var slot = _words[i];
            if ((slot & FingerprintMask) == fingerprint)
            {
                _words[i] = Pack(fingerprint, now);
                return;
            }
            var age = Age(slot, now);
            if (slot == 0 || age > _idleUnits)
            {
                if (free < 0) free = i;
                continue;
            }
            if (age >= victimAge)
            {
                victimAge = age;
                victim = i;
            }
        }
        if (free < 0)
        {
            free = victim;
            Evictions++;
        }
        _words[free] = Pack(fingerprint, now);
    }

    /// <summary>Forgets the flow; false when it was not in the set.</summary>
    public bool Remove(in FlowKey key)
    {
        var fingerprint = Fingerprint(key, out var start);
        for (var i = start; i < start + Ways; i++)
        {
            if ((_words[i] & FingerprintMask) != fingerprint) continue;
            _words[i] = 0;
            return true;
        }
        return false;
    }

    /// <summary>Counts flows not idle past the timeout (a scan: for stats, not per packet).</summary>
    public int CountLive()
    {
        var now = Now();
        var count = 0;
        for (var i = _origin; i < _origin + Capacity; i++)
            if (_words[i] != 0 && Age(_words[i], now) <= _idleUnits) count++;
        return count;
    }

    /// <summary>The flow's fingerprint (never 0, which marks a free slot) and its bucket's first word.</summary>
    private ulong Fingerprint(in FlowKey key, out int start)
    {
        var bucketHash = FlowHash.Compute(key, 0);
        start = _origin + (int)(bucketHash & (uint)_bucketMask) * Ways;
        // The bucket hash's top byte widens the second hash to 40 bits; only tables of more than 2^24 buckets would
        // share those bits with the bucket index, and capacities stay far below that.
        var fingerprint = (((ulong)(bucketHash >> 24) << 32) | FlowHash.Compute(key, FingerprintSeed)) & FingerprintMask;
        return fingerprint == 0 ? 1 : fingerprint;
    }

    private uint Now() => (uint)(_time.GetTimestamp() >> _timeShift) & TimeMask;

    private static ulong Pack(ulong fingerprint, uint now) => ((ulong)now << FingerprintBits) | fingerprint;

    private static uint Age(ulong slot, uint now) => (now - (uint)(slot >> FingerprintBits)) & TimeMask;

    private static int AlignedOrigin(ulong[] pinned)
    {
        var misalignment = (int)((nuint)System.Runtime.InteropServices.Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0) % CacheLine);
        return misalignment == 0 ? 0 : (CacheLine - misalignment) / sizeof(ulong);
    }
}
