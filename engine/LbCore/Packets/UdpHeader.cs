using System.Buffers.Binary;

namespace Lb.Core.Packets;

/// <summary>A read-only view over a UDP datagram.</summary>
public readonly ref struct UdpHeader
{
    public const int Length = 8;
    public const int ChecksumOffset = 6;

    private readonly ReadOnlySpan<byte> _bytes;

    public UdpHeader(ReadOnlySpan<byte> datagram) => _bytes = datagram;

    public bool IsComplete => _bytes.Length >= Length;
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_bytes);
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(2, 2));
    /// <summary>The UDP length field (header + data).</summary>
    public int DatagramLength => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(4, 2));
    /// <summary>0 means "no checksum" in IPv4.</summary>
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(ChecksumOffset, 2));
    public ReadOnlySpan<byte> Payload => _bytes[Length..];
}
