using Lb.Engine.PacketIo;
using Lb.Engine.PacketIo.Xdp;
using Lb.Engine.Tests.Support;

namespace Lb.Engine.Tests.PacketIo;

/// <summary>
/// The AF_XDP loop on a veth pair inside its own network namespace (<c>lbe-xdp-t</c>, deleted after each test): frames
/// to the VIP sent into one end are steered by lb_steer to the socket, handed to the processor and sent back out.
/// The loop must allocate nothing per frame. The program is attached and detached from a thread inside the
/// namespace (an interface index means nothing elsewhere). Nothing leaves the namespace.
/// </summary>
public sealed class XdpFrameLoopTests : IDisposable
{
    private const string Namespace = "lbe-xdp-t";
    private const string SocketEnd = "lbe-xa";
    private const string SendEnd = "lbe-xb";
    private const uint Vip = 0x14000001;
    private static readonly byte[] Frame = TestFrames.Udp("10.1.0.2", 40000, "20.0.0.1", 9, payloadLength: 18);
    private static readonly byte[] NotVip = TestFrames.Udp("10.1.0.2", 40000, "20.0.0.2", 9, payloadLength: 18);

    public XdpFrameLoopTests()
    {
        if (!Runtime.HostEnvironment.IsRoot) return;
        PacketRingTests.Sh($"ip netns del {Namespace}", check: false); // a killed run's leftover
        PacketRingTests.Sh($"ip netns add {Namespace}");
        PacketRingTests.Sh($"ip link add {SocketEnd} netns {Namespace} type veth peer name {SendEnd} netns {Namespace}");
        PacketRingTests.Sh($"ip -n {Namespace} link set {SocketEnd} up");
        PacketRingTests.Sh($"ip -n {Namespace} link set {SendEnd} up");
    }

    public void Dispose()
    {
        if (Runtime.HostEnvironment.IsRoot) PacketRingTests.Sh($"ip netns del {Namespace}", check: false);
    }

    [RootFact("it attaches an XDP program in a network namespace")]
    public void The_xdp_loop_steers_only_vip_frames_and_allocates_nothing_per_frame()
    {
        var targets = new Dictionary<uint, XdpMatch> { [Vip] = XdpMatch.Destination };
        var program = Path.Combine(AppContext.BaseDirectory, "xdp", XdpSteering.ProgramFileName);
        var (session, sender) = PacketRingTests.InNamespace(Namespace, () => (
            XdpSession.Open(SocketEnd, XdpFramePath.FrameSize(1500, 60), targets, program, verbose: false),
            PacketRingTests.Sender.Open(SendEnd)));
        try
        {
            var processor = new PacketRingTests.CountingProcessor(echo: true);
            using var stop = new CancellationTokenSource();
            var loop = Task.Factory.StartNew(() => session.Loop.Run(processor, stop.Token, linkUsable: null), TaskCreationOptions.LongRunning);

            const int frames = 20000;
            for (var i = 0; i < 1000; i++) sender.Send(NotVip);
            // In bursts the receive ring always holds: a loaded machine may not run the loop while a sender at full
            // speed fills it, and a full ring drops (which is the kernel's to count, not what this test is about).
            const int burst = 256;
            for (var sent = 0; sent < frames;)
            {
                for (var i = 0; i < burst && sent < frames; i++, sent++) sender.Send(Frame);
                Assert.True(processor.WaitFor(sent, TimeSpan.FromSeconds(20)), $"the socket saw {processor.Count} of {sent} frames sent");
            }
            stop.Cancel();
            Assert.Equal(RingExit.Stopped, loop.Result);
            Assert.Equal(frames, processor.Count); // none of the frames to another address
            AllocationAssert.NothingPerCall(processor.AllocatedSinceFirstFrame, frames);
            // sysfs shows the namespace it was mounted in, so ask from a process inside this one.
            using var cat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ip",
                ["netns", "exec", Namespace, "cat", $"/sys/class/net/{SendEnd}/statistics/rx_packets"]) { RedirectStandardOutput = true })!;
            var sentBack = long.Parse(cat.StandardOutput.ReadToEnd().Trim());
            cat.WaitForExit();
            Assert.True(sentBack >= frames, $"{sentBack} frames came back of {frames}");
        }
        finally
        {
            sender.Dispose();
            PacketRingTests.InNamespace(Namespace, () =>
            {
                session.Dispose();
                return 0;
            });
        }
    }
}
