using System.Numerics;

namespace Lb.Core.Flows;

/// <summary>
/// A seeded 32-bit hash (MurmurHash3 x86_32 over fixed-width fields). Deterministic across processes, runs and
/// machines, unlike string.GetHashCode/HashCode, so every mux (and lbdeploy) computes the same value for a flow.
/// </summary>
public static class FlowHash
{
    public static uint Compute(in FlowKey key, uint seed)
    {
        var hash = seed;
        hash = Mix(hash, key.Source);
        hash = Mix(hash, key.Destination);
        hash = Mix(hash, ((uint)key.SourcePort << 16) | key.DestinationPort);
        hash = Mix(hash, key.Protocol);
        return Finalize(hash, 16);
    }

    /// <summary>Hashes one 32-bit value (e.g. a DIP address for Maglev's permutation).</summary>
    public static uint Compute(uint value, uint seed) => Finalize(Mix(seed, value), 4);

    private static uint Mix(uint hash, uint value)
    {
        value *= 0xCC9E2D51;
        value = BitOperations.RotateLeft(value, 15);
        value *= 0x1B873593;
        hash ^= value;
        hash = BitOperations.RotateLeft(hash, 13);
        return hash * 5 + 0xE6546B64;
    }

    private static uint Finalize(uint hash, uint length)
    {
        hash ^= length;
        hash ^= hash >> 16;
        hash *= 0x85EBCA6B;
        hash ^= hash >> 13;
        hash *= 0xC2B2AE35;
        hash ^= hash >> 16;
        return hash;
    }
}
