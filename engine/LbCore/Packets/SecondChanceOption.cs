using System.Buffers.Binary;
using Lb.Core.Config;

namespace Lb.Core.Packets;

/// <summary>
/// The IPv4 option the mux adds to the outer header of a TCP non-SYN packet whose Maglev slot had other owners:
/// type 94 (RFC 4727 experimental: not copied, class 2, number 30), length 4 + 4n, one byte version (high nibble, 1)
/// and flags (low nibble, 0), one reserved zero byte, then n alternate DIP addresses (1..<see cref="EngineLimits.MaxAlternates"/>),
/// newest owner first. A multiple of 4 bytes, so no padding. A view over the option's bytes; read with
/// <see cref="Find"/>, written with <see cref="Write"/>.
/// </summary>
public readonly ref struct SecondChanceOption
{
    public const byte Type = 94;
    public const byte Version = 1;
    public const int FixedLength = 4;
    public const int MaxLength = FixedLength + 4 * EngineLimits.MaxAlternates;

    private readonly ReadOnlySpan<byte> _bytes;

    private SecondChanceOption(ReadOnlySpan<byte> bytes) => _bytes = bytes;

    public int Count => (_bytes.Length - FixedLength) / 4;

    /// <summary>Alternate <paramref name="index"/> (host order).</summary>
    public uint this[int index] => BinaryPrimitives.ReadUInt32BigEndian(_bytes.Slice(FixedLength + 4 * index, 4));

    /// <summary>The option's length for <paramref name="count"/> alternates; 0 for none (no option is written then).</summary>
    public static int Length(int count) => count == 0 ? 0 : FixedLength + 4 * count;

    /// <summary>Writes the option for 1..MaxAlternates alternates; returns its length.</summary>
    public static int Write(Span<byte> destination, ReadOnlySpan<uint> alternates)
    {
        if (alternates.Length is 0 or > EngineLimits.MaxAlternates)
            throw new ArgumentOutOfRangeException(nameof(alternates), $"{alternates.Length} alternates; 1..{EngineLimits.MaxAlternates}");
        var length = Length(alternates.Length);
        destination[0] = Type;
        destination[1] = (byte)length;
        destination[2] = Version << 4;
        destination[3] = 0;
        for (var i = 0; i < alternates.Length; i++)
            BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(FixedLength + 4 * i, 4), alternates[i]);
        return length;
    }

    /// <summary>
    /// Looks for the option among an IPv4 header's options (<see cref="Ipv4Header.Options"/>), skipping others.
    /// <see cref="DropReason.BadSecondChanceOption"/> when the options are malformed: a length that overruns them or is
    /// below 2, ours twice, ours with a length other than 4 + 4n (n 1..MaxAlternates), another version, a reserved byte set.
    /// Never throws.
    /// </summary>
    public static DropReason Find(ReadOnlySpan<byte> options, out SecondChanceOption option, out bool found)
    {
        option = default;
        found = false;
        var i = 0;
        while (i < options.Length)
        {
            var type = options[i];
            if (type == 0) break; // end of option list
            if (type == 1)
            {
                i++; // no-operation
                continue;
            }
            if (i + 1 >= options.Length) return DropReason.BadSecondChanceOption;
            int length = options[i + 1];
            if (length < 2 || i + length > options.Length) return DropReason.BadSecondChanceOption;
            if (type == Type)
            {
                if (found || length < FixedLength + 4 || length > MaxLength || (length - FixedLength) % 4 != 0) return DropReason.BadSecondChanceOption;
                if (options[i + 2] != Version << 4 || options[i + 3] != 0) return DropReason.BadSecondChanceOption;
                option = new SecondChanceOption(options.Slice(i, length));
                found = true;
            }
            i += length;
        }
        return DropReason.None;
    }
}
