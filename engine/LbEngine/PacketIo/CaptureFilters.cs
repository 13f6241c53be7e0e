using Lb.Core.Packets;
using static Lb.Engine.Interop.PacketSocket;

namespace Lb.Engine.PacketIo;

/// <summary>
/// The classic BPF programs the kernel runs on every frame before it reaches a ring. Written by hand (four opcodes)
/// so the rings need no libpcap.
/// </summary>
public static class CaptureFilters
{
    private const ushort LoadByteAbsolute = 0x30; // BPF_LD | BPF_B | BPF_ABS
    private const ushort LoadHalfAbsolute = 0x28; // BPF_LD | BPF_H | BPF_ABS
    private const ushort LoadWordAbsolute = 0x20; // BPF_LD | BPF_W | BPF_ABS
    private const ushort JumpIfEqual = 0x15;      // BPF_JMP | BPF_JEQ | BPF_K
    private const ushort Return = 0x06;           // BPF_RET | BPF_K
    private const uint Accept = 0x40000;          // bytes to keep: the whole frame
    private const uint ProtocolOffset = EthernetHeader.Length + 9;
    private const uint SourceOffset = EthernetHeader.Length + 12;
    private const uint DestinationOffset = EthernetHeader.Length + 16;

    /// <summary>Jumps are 8-bit: 2 + 2n + 2 instructions must stay addressable (the config loader enforces it).</summary>
    public const int MaxVips = Lb.Core.Config.EngineLimits.MaxVips;

    /// <summary>
    /// The mux's filter, the equivalent of the pcap filter <c>ip and (host VIP1 or host VIP2 ...)</c>: IPv4 frames
    /// whose source or destination is a VIP (a packet FROM a VIP is a DSR violation the mux counts).
    /// </summary>
    internal static SockFilter[] Vips(IReadOnlyList<uint> vips)
    {
        if (vips.Count is 0 or > MaxVips)
            throw new ArgumentOutOfRangeException(nameof(vips), $"a capture filter takes 1 to {MaxVips} VIPs, not {vips.Count}");
        var n = vips.Count;
        // Layout: [0] ldh type, [1] jeq ipv4, [2] ld src, [3..3+n) jeq vip, [3+n] ld dst, [4+n..4+2n) jeq vip,
        // [4+2n] drop, [5+2n] accept. Jump offsets count from the next instruction.
        var program = new SockFilter[6 + 2 * n];
        var drop = 4 + 2 * n;
        var accept = drop + 1;
        program[0] = new SockFilter { Code = LoadHalfAbsolute, K = EthernetHeader.Length - 2 };
        program[1] = Jump(1, EthernetHeader.EtherTypeIpv4, 2, drop);
        program[2] = new SockFilter { Code = LoadWordAbsolute, K = SourceOffset };
        for (var i = 0; i < n; i++) program[3 + i] = Jump(3 + i, vips[i], accept, 3 + i + 1);
        program[3 + n] = new SockFilter { Code = LoadWordAbsolute, K = DestinationOffset };
        for (var i = 0; i < n; i++) program[4 + n + i] = Jump(4 + n + i, vips[i], accept, i == n - 1 ? drop : 4 + n + i + 1);
        program[drop] = new SockFilter { Code = Return, K = 0 };
        program[accept] = new SockFilter { Code = Return, K = Accept };
        return program;
    }

    /// <summary>The agent's filter, as pcap's <c>ip proto 4 and dst host OWN</c>: IP-in-IP frames to this host.</summary>
    internal static SockFilter[] IpInIpTo(uint ownAddress) =>
    [
        new SockFilter { Code = LoadHalfAbsolute, K = EthernetHeader.Length - 2 },
        Jump(1, EthernetHeader.EtherTypeIpv4, 2, 7),
        new SockFilter { Code = LoadByteAbsolute, K = ProtocolOffset },
        Jump(3, IpProtocol.IpInIp, 4, 7),
        new SockFilter { Code = LoadWordAbsolute, K = DestinationOffset },
        Jump(5, ownAddress, 6, 7),
        new SockFilter { Code = Return, K = Accept },
        new SockFilter { Code = Return, K = 0 },
    ];

    private static SockFilter Jump(int at, uint value, int ifEqual, int otherwise) => new()
    {
        Code = JumpIfEqual,
        K = value,
        JumpTrue = checked((byte)(ifEqual - at - 1)),
        JumpFalse = checked((byte)(otherwise - at - 1)),
    };
}
