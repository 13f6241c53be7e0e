using System.Diagnostics;
using System.Runtime.InteropServices;
using Lb.Engine.Interop;
using Lb.Engine.PacketIo;
using Lb.Engine.Tests.Support;
using Microsoft.Win32.SafeHandles;
using static Lb.Engine.Interop.PacketSocket;
using Lb.Engine.Runtime;

namespace Lb.Engine.Tests.PacketIo;

/// <summary>
/// The AF_PACKET ring on a veth pair inside its own network namespace (<c>lbe-ring-t</c>, deleted after each test):
/// frames sent into one end are read from the ring by <see cref="PacketRing.Run"/>. Its packet loop must allocate
/// nothing per frame, and the ring's socket and mapping (SafeHandles) must outlive a Dispose from another thread
/// until the loop returns. Nothing leaves the namespace.
/// </summary>
public sealed partial class PacketRingTests : IDisposable
{
    private const string Namespace = "lbe-ring-t";
    private const string RingEnd = "lbe-ra";
    private const string SendEnd = "lbe-rb";
    private static readonly byte[] Frame = TestFrames.Udp("10.1.0.2", 40000, "20.0.0.1", 9, payloadLength: 18);

    public PacketRingTests()
    {
        if (!Runtime.HostEnvironment.IsRoot) return;
        Sh($"ip netns del {Namespace}", check: false); // a killed run's leftover
        Sh($"ip netns add {Namespace}");
        Sh($"ip link add {RingEnd} netns {Namespace} type veth peer name {SendEnd} netns {Namespace}");
        Sh($"ip -n {Namespace} link set {RingEnd} up");
        Sh($"ip -n {Namespace} link set {SendEnd} up");
    }

    public void Dispose()
    {
        if (Runtime.HostEnvironment.IsRoot) Sh($"ip netns del {Namespace}", check: false);
    }

    [RootFact("it opens AF_PACKET sockets in a network namespace")]
    public void The_packet_loop_allocates_nothing_per_frame()
    {
        var (ring, sender) = InNamespace(() => (
            PacketRing.Open(RingEnd, new PacketRingOptions { Mtu = 1500 }, CaptureFilters.Vips([0x14000001])),
            Sender.Open(SendEnd)));
        using var _ = ring;
        using var __ = sender;
        var processor = new CountingProcessor();
        using var stop = new CancellationTokenSource();
        var loop = Task.Factory.StartNew(() => ring.Run(processor, ring, stop.Token), TaskCreationOptions.LongRunning);

        const int frames = 5000;
        for (var i = 0; i < frames; i++) sender.Send(Frame);
        Assert.True(processor.WaitFor(frames, TimeSpan.FromSeconds(10)), $"the ring saw {processor.Count} of {frames} frames");
        stop.Cancel();
        Assert.Equal(RingExit.Stopped, loop.Result);
        AllocationAssert.NothingPerCall(processor.AllocatedSinceFirstFrame, frames);
    }

    [RootFact("it opens AF_PACKET sockets in a network namespace")]
    public void Disposing_the_ring_while_its_loop_runs_waits_for_the_loop()
    {
        var (ring, sender) = InNamespace(() => (
            PacketRing.Open(RingEnd, new PacketRingOptions { Mtu = 1500 }, CaptureFilters.Vips([0x14000001])),
            Sender.Open(SendEnd)));
        using var __ = sender;
        var processor = new CountingProcessor();
        using var stop = new CancellationTokenSource();
        var loop = Task.Factory.StartNew(() => ring.Run(processor, ring, stop.Token), TaskCreationOptions.LongRunning);
        sender.Send(Frame);
        Assert.True(processor.WaitFor(1, TimeSpan.FromSeconds(10)), "the ring saw no frame");

        // The mapping and the socket stay valid for the loop (it holds references); released when it returns.
        ring.Dispose();
        Assert.Equal(0, ring.KernelDrops());
        for (var i = 0; i < 100; i++) sender.Send(Frame);
        Assert.True(processor.WaitFor(101, TimeSpan.FromSeconds(10)), $"after Dispose the loop saw {processor.Count} of 101 frames");
        stop.Cancel();
        Assert.Equal(RingExit.Stopped, loop.Result);
    }

    /// <summary>Runs <paramref name="open"/> on a thread that joined the test namespace (setns affects one thread).</summary>
    private static T InNamespace<T>(Func<T> open) => InNamespace(Namespace, open);

    /// <summary>Runs <paramref name="open"/> on a thread that joined network namespace <paramref name="name"/>.</summary>
    internal static T InNamespace<T>(string name, Func<T> open)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var handle = File.OpenHandle($"/var/run/netns/{name}");
                if (setns(handle, CloneNewNet) != 0) throw new InvalidOperationException($"setns {name}: {Marshal.GetLastPInvokeError()}");
                result = open();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        thread.Join();
        return error is null ? result! : throw new InvalidOperationException($"in namespace {name}: {error.Message}", error);
    }

    /// <summary>
    /// Counts frames; remembers the thread's allocated bytes at the first and at the latest frame. With
    /// <paramref name="echo"/>, sends each frame back out (so a loop's transmit side runs too).
    /// </summary>
    internal sealed class CountingProcessor(bool echo = false) : IFrameProcessor
    {
        private long _first = -1;
        private long _latest;
        private int _count;

        public int Count => Volatile.Read(ref _count);
        public long AllocatedSinceFirstFrame => Volatile.Read(ref _latest) - Volatile.Read(ref _first);

        public int Process(ReadOnlySpan<byte> frame, Span<byte> output)
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            if (_first < 0) _first = allocated;
            Volatile.Write(ref _latest, allocated);
            Interlocked.Increment(ref _count);
            if (!echo) return 0;
            frame.CopyTo(output);
            return frame.Length;
        }

        public void Prefetch(ReadOnlySpan<byte> frame)
        {
        }

        public void OnSendFailed()
        {
        }

        public bool WaitFor(int frames, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (Count < frames && clock.Elapsed < timeout) Thread.Sleep(10);
            return Count >= frames;
        }
    }

    /// <summary>A plain AF_PACKET socket bound to one interface: each Send is one frame on the wire.</summary>
    internal sealed unsafe class Sender : IDisposable
    {
        private readonly SafeSocketFd _socket;

        private Sender(SafeSocketFd socket) => _socket = socket;

        public static Sender Open(string interfaceName)
        {
            var socket = Libc.socket(AfPacket, Libc.SockRaw, 0);
            if (socket.IsInvalid) throw new InvalidOperationException($"AF_PACKET socket: {LastError()}");
            var address = new SockaddrLl { Family = AfPacket, IfIndex = (int)if_nametoindex(interfaceName) };
            if (bind(socket, &address, (uint)sizeof(SockaddrLl)) != 0) throw new InvalidOperationException($"bind {interfaceName}: {LastError()}");
            return new Sender(socket);
        }

        public void Send(byte[] frame)
        {
            var added = false;
            try
            {
                _socket.DangerousAddRef(ref added);
                fixed (byte* bytes = frame)
                {
                    if (send(_socket.DangerousGetFd(), bytes, (nuint)frame.Length, 0) != frame.Length)
                        throw new InvalidOperationException($"send: {LastError()}");
                }
            }
            finally
            {
                if (added) _socket.DangerousRelease();
            }
        }

        public void Dispose() => _socket.Dispose();
    }

    private const int CloneNewNet = 0x40000000;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(SafeFileHandle fd, int nstype);

    internal static void Sh(string command, bool check = true)
    {
        using var process = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", command]) { RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (check && process.ExitCode != 0) throw new InvalidOperationException($"`{command}` failed: {error.Trim()}");
    }
}
