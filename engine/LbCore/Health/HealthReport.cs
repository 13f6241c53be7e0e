using System.Buffers.Binary;
using Lb.Core.Addressing;

namespace Lb.Core.Health;

/// <summary>
/// The agent-to-mux health report, one UDP datagram of <see cref="Length"/> bytes, network byte order:
/// <code>
///  0  magic "LBHR" (4)   4  version 1 (1)   5  flags: bit 0 = server healthy (1)   6  reserved, 0 (2)
///  8  DIP address (4)   12  sequence, +1 per report, per agent process (4)
/// </code>
/// A fixed binary format: nothing to negotiate, trivially validated, and parsed without allocation.
/// </summary>
public readonly struct HealthReport(Ipv4Address dip, bool healthy, uint sequence)
{
    public const int Length = 16;
    public const uint Magic = 0x4C424852; // "LBHR"
    public const byte CurrentVersion = 1;
    private const byte HealthyFlag = 1;

    public Ipv4Address Dip { get; } = dip;
    public bool Healthy { get; } = healthy;
    public uint Sequence { get; } = sequence;

    public void WriteTo(Span<byte> destination)
    {
        if (destination.Length < Length) throw new ArgumentException($"a health report needs {Length} bytes", nameof(destination));
        BinaryPrimitives.WriteUInt32BigEndian(destination, Magic);
        destination[4] = CurrentVersion;
        destination[5] = Healthy ? HealthyFlag : (byte)0;
        destination[6] = 0;
        destination[7] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Dip.Value);
        BinaryPrimitives.WriteUInt32BigEndian(destination[12..], Sequence);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>False for anything that is not exactly a version-1 report (wrong size, magic, version or flags).</summary>
    public static bool TryRead(ReadOnlySpan<byte> datagram, out HealthReport report)
    {
        report = default;
        if (datagram.Length != Length || BinaryPrimitives.ReadUInt32BigEndian(datagram) != Magic || datagram[4] != CurrentVersion
            || (datagram[5] & ~HealthyFlag) != 0)
            return false;
        report = new HealthReport(
            new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(datagram[8..])),
            (datagram[5] & HealthyFlag) != 0,
            BinaryPrimitives.ReadUInt32BigEndian(datagram[12..]));
        return true;
    }
}
