using System.Buffers.Binary;

namespace Lb.Core.Packets;

/// <summary>A read-only view over a TCP segment (header with options, then data).</summary>
public readonly ref struct TcpHeader
{
    public const int MinimumLength = 20;
    public const int ChecksumOffset = 16;
    public const byte FlagFin = 0x01, FlagSyn = 0x02, FlagRst = 0x04, FlagPsh = 0x08, FlagAck = 0x10;

    private readonly ReadOnlySpan<byte> _bytes;

    public TcpHeader(ReadOnlySpan<byte> segment) => _bytes = segment;

    public bool IsComplete => _bytes.Length >= MinimumLength && DataOffset >= MinimumLength && DataOffset <= _bytes.Length;
    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_bytes);
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(2, 2));
    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_bytes.Slice(4, 4));
    public uint AcknowledgmentNumber => BinaryPrimitives.ReadUInt32BigEndian(_bytes.Slice(8, 4));
    /// <summary>Header length in bytes, including options.</summary>
    public int DataOffset => (_bytes[12] >> 4) * 4;
    public byte Flags => _bytes[13];
    public bool IsSyn => (Flags & FlagSyn) != 0;
    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(14, 2));
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_bytes.Slice(ChecksumOffset, 2));
    public ReadOnlySpan<byte> Payload => _bytes[DataOffset..];
}
