using Lb.Engine.PacketIo;
using Lb.Engine.Tests.Support;
using static Lb.Engine.Interop.PacketSocket;

namespace Lb.Engine.Tests.PacketIo;

/// <summary>
/// The hand-written classic BPF programs, run by a small interpreter of the five instructions they may use (the kernel's
/// semantics: absolute big-endian loads, relative jumps, a non-zero return keeps the frame). The end-to-end test in
/// network namespaces runs the same program in the kernel.
/// </summary>
public class CaptureFiltersTests
{
    private static readonly uint[] Vips = [0x14000001, 0x14000002]; // 20.0.0.1, 20.0.0.2

    [Theory]
    [InlineData("10.1.0.2", "20.0.0.1", true)]
    [InlineData("10.1.0.2", "20.0.0.2", true)]
    [InlineData("20.0.0.1", "10.1.0.2", true)]   // from a VIP: captured so the mux counts the DSR violation
    [InlineData("10.1.0.2", "20.0.0.3", false)]
    [InlineData("10.1.0.2", "10.2.0.2", false)]
    public void Keeps_exactly_the_frames_to_or_from_a_vip(string source, string destination, bool kept)
    {
        var program = CaptureFilters.Vips(Vips);
        Assert.Equal(kept, Run(program, TestFrames.Udp(source, 1000, destination, 80)));
    }

    [Fact]
    public void Drops_frames_that_are_not_ipv4()
    {
        var frame = TestFrames.Udp("10.1.0.2", 1000, "20.0.0.1", 80);
        frame[12] = 0x08;
        frame[13] = 0x06; // ARP
        Assert.False(Run(CaptureFilters.Vips(Vips), frame));
    }

    [Fact]
    public void Every_jump_lands_inside_the_program_for_the_largest_vip_set()
    {
        var vips = Enumerable.Range(1, CaptureFilters.MaxVips).Select(i => 0x14000000u + (uint)i).ToArray();
        var program = CaptureFilters.Vips(vips);
        for (var i = 0; i < program.Length; i++)
        {
            if (program[i].Code != 0x15) continue;
            Assert.InRange(i + 1 + program[i].JumpTrue, 0, program.Length - 1);
            Assert.InRange(i + 1 + program[i].JumpFalse, 0, program.Length - 1);
        }
        Assert.True(Run(program, TestFrames.Udp("10.1.0.2", 1000, "20.0.0.120", 80)));
        Assert.Throws<ArgumentOutOfRangeException>(() => CaptureFilters.Vips([.. vips, 0x15000000u]));
    }

    [Fact]
    public void The_agent_filter_keeps_only_ip_in_ip_to_its_own_address()
    {
        var own = 0x0A030002u; // 10.3.0.2
        var program = CaptureFilters.IpInIpTo(own);
        var encapsulated = TestFrames.Udp("10.2.0.2", 1000, "10.3.0.2", 80);
        encapsulated[14 + 9] = 4;
        Assert.True(Run(program, encapsulated));
        var toAnother = TestFrames.Udp("10.2.0.2", 1000, "10.3.0.3", 80);
        toAnother[14 + 9] = 4;
        Assert.False(Run(program, toAnother));
        Assert.False(Run(program, TestFrames.Udp("10.2.0.2", 1000, "10.3.0.2", 80))); // UDP, not IP-in-IP
    }

    private static bool Run(SockFilter[] program, byte[] frame)
    {
        uint accumulator = 0;
        for (var pc = 0; pc < program.Length; pc++)
        {
            var instruction = program[pc];
            switch (instruction.Code)
            {
                case 0x30:
                    if (instruction.K + 1 > frame.Length) return false;
                    accumulator = frame[instruction.K];
                    break;
                case 0x28:
                    if (instruction.K + 2 > frame.Length) return false;
                    accumulator = (uint)(frame[instruction.K] << 8 | frame[instruction.K + 1]);
                    break;
                case 0x20:
                    if (instruction.K + 4 > frame.Length) return false;
                    accumulator = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan((int)instruction.K));
                    break;
                case 0x15:
                    pc += accumulator == instruction.K ? instruction.JumpTrue : instruction.JumpFalse;
                    break;
                case 0x06:
                    return instruction.K != 0;
                default:
                    throw new InvalidOperationException($"unexpected BPF opcode 0x{instruction.Code:x} at {pc}");
            }
        }
        throw new InvalidOperationException("the program ran off its end");
    }
}
