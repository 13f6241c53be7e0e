namespace Lb.Engine.PacketIo;

/// <summary>Sizes of the memory-mapped rings; frames are sized from the link MTU.</summary>
public sealed record PacketRingOptions
{
    /// <summary>Receive ring bytes: at 2 KB frames, 16384 frames, 65 ms of 250k pps with the thread off the CPU.</summary>
    public int ReceiveBytes { get; init; } = 32 << 20;
    public int TransmitBytes { get; init; } = 4 << 20;
    /// <summary>Frames handled before queued transmissions are flushed with one send() call.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>
    /// A receive ring joins this PACKET_FANOUT group (hash mode, fragments reassembled first): the kernel hands each
    /// flow to one socket of the group, by its flow hash. Null: no group.
    /// </summary>
    public ushort? FanoutGroup { get; init; }
    /// <summary>Largest IPv4 packet the link carries (the interface's MTU).</summary>
    public required int Mtu { get; init; }

    /// <summary>
    /// A power of two holding the tpacket header (up to 80 bytes with alignment), the Ethernet header, an MTU-sized
    /// packet and the 20-byte outer header the mux adds.
    /// </summary>
    public int FrameSize => (int)Math.Max(2048u, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)(Mtu + 80 + 14 + 20)));
}
