using System.Buffers.Binary;

namespace Lb.Core.Packets;

/// <summary>
/// A read-only view over an ICMPv4 message. Echo messages carry an identifier and sequence number; error messages
/// (destination unreachable, time exceeded, parameter problem, source quench) carry the IP header and at least the
/// first 8 bytes of the packet that caused them.
/// </summary>
public readonly ref struct IcmpHeader
{
    public const int Length = 8;
    public const byte TypeEchoReply = 0;
    public const byte TypeDestinationUnreachable = 3;
    public const byte TypeSourceQuench = 4;
    public const byte TypeEchoRequest = 8;
    public const byte TypeTimeExceeded = 11;
    public const byte TypeParameterProblem = 12;
    public const byte CodeFragmentationNeeded = 4;

    private readonly ReadOnlySpan<byte> _bytes;

    public IcmpHeader(ReadOnlySpan<byte> message) => _bytes = message;

    public bool IsComplete => _bytes.Length >= Length;
    public byte Type => _bytes[0];
    public byte Code => _bytes[1];
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(2, 2));
    /// <summary>Echo identifier (bytes 4-5); what ping uses to tell its sessions apart.</summary>
    public ushort Identifier => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(4, 2));
    public ushort SequenceNumber => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(6, 2));
    /// <summary>Next-hop MTU of a "fragmentation needed" message (RFC 1191, bytes 6-7).</summary>
    public ushort NextHopMtu => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(6, 2));
    public bool IsEcho => Type is TypeEchoRequest or TypeEchoReply;
    public bool IsError => Type is TypeDestinationUnreachable or TypeSourceQuench or TypeTimeExceeded or TypeParameterProblem;
    /// <summary>For error messages: the embedded IP header (+ at least 8 bytes) of the offending packet.</summary>
    public ReadOnlySpan<byte> Body => _bytes[Length..];
    public bool HasValidChecksum => InternetChecksum.IsValid(_bytes);

    /// <summary>
    /// Writes a "destination unreachable / fragmentation needed" message (RFC 1191) quoting
    /// <paramref name="offending"/>; returns the message length.
    /// </summary>
    public static int WriteFragmentationNeeded(Span<byte> destination, int nextHopMtu, ReadOnlySpan<byte> offending)
    {
        destination[0] = TypeDestinationUnreachable;
        destination[1] = CodeFragmentationNeeded;
        destination[2] = 0;
        destination[3] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(4, 2), 0);
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(6, 2), (ushort)nextHopMtu);
        offending.CopyTo(destination[Length..]);
        var length = Length + offending.Length;
        BinaryPrimitives.WriteUInt16BigEndian(destination.Slice(2, 2), InternetChecksum.Compute(destination[..length]));
        return length;
    }
}
