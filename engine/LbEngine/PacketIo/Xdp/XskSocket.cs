using System.Runtime.InteropServices;
using Lb.Engine.Interop;

namespace Lb.Engine.PacketIo.Xdp;

/// <summary>
/// One AF_XDP socket on one receive queue with its own UMEM: <see cref="FrameCount"/> frames of
/// <see cref="FrameSize"/> bytes, the first half lent to the kernel through the fill ring for receiving, the second
/// half kept for transmitting (see <see cref="XdpFrameLoop"/>). Set up by libxdp (which maps the four rings); used
/// through the C# ring accessors. Zero-copy when the driver supports it, else copy mode; need-wakeup either way.
/// </summary>
internal sealed unsafe class XskSocket : IDisposable
{
    private readonly SafeXskUmem _umem;
    private readonly SafeXskSocket _socket;

    private XskSocket(SafeXskUmem umem, SafeXskSocket socket, byte* area, int frameSize, uint ringSize, bool zeroCopy,
        XskProducerRing fill, XskConsumerRing completion, XskConsumerRing receive, XskProducerRing transmit)
    {
        _umem = umem;
        _socket = socket;
        Area = area;
        FrameSize = frameSize;
        RingSize = ringSize;
        ZeroCopy = zeroCopy;
        Fill = fill;
        Completion = completion;
        Receive = receive;
        Transmit = transmit;
        Fd = LibXdp.xsk_socket__fd(socket.DangerousGetHandle());
    }

    public byte* Area { get; }
    public int FrameSize { get; }
    public uint RingSize { get; }
    public uint FrameCount => RingSize * 2;
    public bool ZeroCopy { get; }
    public int Fd { get; }
    public XskProducerRing Fill { get; }
    public XskConsumerRing Completion { get; }
    public XskConsumerRing Receive { get; }
    public XskProducerRing Transmit { get; }

    /// <summary>The xsk_socket pointer, for libxdp calls while this object is alive.</summary>
    public nint DangerousHandle => _socket.DangerousGetHandle();

    /// <summary>
    /// Opens a socket on queue <paramref name="queue"/> of <paramref name="interfaceName"/>; the caller's XDP program
    /// steers frames to it (libxdp loads none of its own).
    /// </summary>
    public static XskSocket Open(string interfaceName, uint queue, int frameSize, uint ringSize)
    {
        // Zero-copy where the driver supports it; copy mode everywhere else (veth). A failed bind leaves libxdp's
        // UMEM without its fill and completion rings, so the second try starts from a new UMEM.
        try
        {
            return Open(interfaceName, queue, frameSize, ringSize, zeroCopy: true);
        }
        catch (XdpUnavailableException)
        {
            return Open(interfaceName, queue, frameSize, ringSize, zeroCopy: false);
        }
    }

    private static XskSocket Open(string interfaceName, uint queue, int frameSize, uint ringSize, bool zeroCopy)
    {
        var frames = ringSize * 2;
        var bytes = (nuint)frames * (nuint)frameSize;
        var area = NativeMemory.AlignedAlloc(bytes, (nuint)Environment.SystemPageSize);
        NativeMemory.Clear(area, bytes);
        var umem = new SafeXskUmem(area);
        try
        {
            LibXdp.XskRingLayout fill, completion, receive, transmit;
            var umemConfig = new LibXdp.XskUmemConfig { FillSize = ringSize, CompletionSize = ringSize, FrameSize = (uint)frameSize };
            var created = LibXdp.xsk_umem__create(out var rawUmem, area, bytes, &fill, &completion, umemConfig);
            if (created != 0) throw new XdpUnavailableException($"cannot register the AF_XDP frame memory: {LibXdp.ErrorText(created)}");
            umem.SetUmem(rawUmem);
            var config = new LibXdp.XskSocketConfig
            {
                RxSize = ringSize,
                TxSize = ringSize,
                LibXdpFlags = LibXdp.InhibitProgramLoad,
                BindFlags = (ushort)((zeroCopy ? LibXdp.XdpZeroCopy : LibXdp.XdpCopy) | LibXdp.XdpUseNeedWakeup),
            };
            var result = LibXdp.xsk_socket__create(out var rawSocket, interfaceName, queue, rawUmem, &receive, &transmit, config);
            if (result != 0)
                throw new XdpUnavailableException($"cannot open an AF_XDP socket on {interfaceName} queue {queue}: {LibXdp.ErrorText(result)}");
            return new XskSocket(umem, new SafeXskSocket(rawSocket), (byte*)area, frameSize, ringSize, zeroCopy,
                new XskProducerRing(fill), new XskConsumerRing(completion), new XskConsumerRing(receive), new XskProducerRing(transmit));
        }
        catch
        {
            umem.Dispose();
            throw;
        }
    }

    /// <summary>Frames the kernel had for this socket and dropped (receive ring full, no fill entry), since it opened.</summary>
    public long KernelDrops()
    {
        LibXdp.XdpStatistics statistics;
        var length = (uint)sizeof(LibXdp.XdpStatistics);
        var added = false;
        try
        {
            _socket.DangerousAddRef(ref added);
            if (LibXdp.getsockopt(Fd, LibXdp.SolXdp, LibXdp.XdpStatisticsOption, &statistics, ref length) != 0) return 0;
            return (long)(statistics.RxDropped + statistics.RxRingFull + statistics.RxFillRingEmpty);
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
        finally
        {
            if (added) _socket.DangerousRelease();
        }
    }

    public void Dispose()
    {
        _socket.Dispose();
        _umem.Dispose();
    }
}
