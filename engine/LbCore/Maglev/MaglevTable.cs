using Lb.Core.Config;
using Lb.Core.Flows;

namespace Lb.Core.Maglev;

/// <summary>
/// Maglev consistent hashing (Eisenbud et al., NSDI 2016): a lookup table of prime size M where each backend
/// claims slots along its own permutation (offset, skip derived from its address), taking turns until the table is
/// full. Every backend ends up with M/N slots (+-1) and removing one backend moves few of the others' slots.
/// Weights: in each turn a backend claims as many slots as its weight, so slot shares follow the weights.
/// The table depends only on the set of (address, weight) and the seed, not on the order of the list, so every mux
/// builds the same table.
/// </summary>
public sealed class MaglevTable
{
    private const uint OffsetSalt = 0x9E3779B9;
    private const uint SkipSalt = 0x7F4A7C15;

    /// <summary>Slot -> index into <see cref="Backends"/> (as given to <see cref="Build"/>), or -1 when no backend has weight.</summary>
    private readonly int[] _slots;

    private MaglevTable(IReadOnlyList<MaglevBackend> backends, int[] slots, uint seed)
    {
        Backends = backends;
        _slots = slots;
        Seed = seed;
    }

    public IReadOnlyList<MaglevBackend> Backends { get; }
    public int Size => _slots.Length;
    public uint Seed { get; }
    /// <summary>False when every backend has weight 0 (or there are none): lookups return -1.</summary>
    public bool HasBackends => _slots.Length > 0 && _slots[0] >= 0;

    /// <summary>Builds the table. <paramref name="size"/> must be prime and larger than the number of backends.</summary>
    public static MaglevTable Build(IReadOnlyList<MaglevBackend> backends, int size = EngineDefaults.TableSize, uint seed = EngineDefaults.Seed)
    {
        if (!Primes.IsPrime(size)) throw new ArgumentException($"Maglev table size {size} is not prime (use e.g. {Primes.NextPrime(size)})", nameof(size));
        var addresses = new HashSet<uint>();
        foreach (var backend in backends)
        {
            if (backend.Weight < 0) throw new ArgumentException($"backend {backend.Name}: weight {backend.Weight} is negative", nameof(backends));
            if (!addresses.Add(backend.Address.Value)) throw new ArgumentException($"backend {backend.Name}: address {backend.Address} appears twice", nameof(backends));
        }

        var slots = new int[size];
        Array.Fill(slots, -1);

        // Fill in address order so the result does not depend on the order of the list.
        var order = Enumerable.Range(0, backends.Count).Where(i => backends[i].Weight > 0)
            .OrderBy(i => backends[i].Address.Value).ToArray();
        if (order.Length == 0) return new MaglevTable(backends, slots, seed);

        var gcd = order.Select(i => backends[i].Weight).Aggregate(Gcd);
        var offsets = new long[order.Length];
        var skips = new long[order.Length];
        var next = new long[order.Length];
        var turns = new int[order.Length];
        for (var j = 0; j < order.Length; j++)
        {
            var address = backends[order[j]].Address.Value;
            offsets[j] = FlowHash.Compute(address, seed ^ OffsetSalt) % (uint)size;
            skips[j] = FlowHash.Compute(address, seed ^ SkipSalt) % (uint)(size - 1) + 1;
            turns[j] = backends[order[j]].Weight / gcd;
        }

        var filled = 0;
        while (true)
        {
            for (var j = 0; j < order.Length; j++)
            {
                for (var turn = 0; turn < turns[j]; turn++)
                {
                    long slot;
                    do
                    {
                        slot = (offsets[j] + next[j] * skips[j]) % size;
                        next[j]++;
                    } while (slots[slot] >= 0);
                    slots[slot] = order[j];
                    if (++filled == size) return new MaglevTable(backends, slots, seed);
                }
            }
        }
    }

    /// <summary>The backend index (into <see cref="Backends"/>) for a flow hash, or -1 when no backend has weight.</summary>
    public int Lookup(uint flowHash) => _slots[(int)(flowHash % (uint)_slots.Length)];

    /// <summary>The backend a flow reaches, hashing the key with the table's seed; null when no backend has weight.</summary>
    public MaglevBackend? Lookup(in FlowKey key)
    {
        var index = Lookup(FlowHash.Compute(key, Seed));
        return index < 0 ? null : Backends[index];
    }

    /// <summary>How many slots each backend owns, indexed like <see cref="Backends"/>.</summary>
    public int[] SlotCounts()
    {
        var counts = new int[Backends.Count];
        foreach (var index in _slots)
            if (index >= 0) counts[index]++;
        return counts;
    }

    /// <summary>The address (host order) of the backend owning each slot, 0 where none has weight: what a retired table leaves in <see cref="PoolHistory"/>.</summary>
    public uint[] Owners()
    {
        var owners = new uint[_slots.Length];
        for (var i = 0; i < owners.Length; i++)
            owners[i] = _slots[i] < 0 ? 0 : Backends[_slots[i]].Address.Value;
        return owners;
    }

    /// <summary>The backend index owning each slot (a copy), for comparing two tables.</summary>
    public int[] Slots() => (int[])_slots.Clone();

    private static int Gcd(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }
}
