using System.Buffers.Binary;
using Lb.Engine.Interop;
using static Lb.Engine.Interop.PacketSocket;
using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo;

/// <summary>
/// An AF_PACKET socket with memory-mapped TPACKET_V2 rings on one interface: a receive ring (unless opened
/// transmit-only) and a transmit ring. The kernel writes frames that pass the BPF filter into the receive ring; the
/// processor reads each in place and writes its output straight into a slot of a transmit ring (this one, or another
/// interface's); one send() per batch hands every queued slot to the driver. No copy to or from user buffers and
/// about one system call per batch, where libpcap costs one per packet to send. Bound as a tap (ETH_P_ALL), so it
/// sees frames before the ingress hook; our own outgoing frames are ignored (PACKET_IGNORE_OUTGOING).
/// Single-threaded: <see cref="Run"/> on one thread; <see cref="SetFilter"/> and <see cref="KernelDrops"/> are
/// safe from others. The socket and the mapping are SafeHandles: <see cref="Run"/> holds a reference to both (and
/// to the transmit ring's) for its whole loop, so a Dispose from another thread closes them only after it returns.
/// When the link goes down the kernel unhooks the socket and reports ENETDOWN (POLLERR); <see cref="Run"/> then
/// returns <see cref="RingExit.SocketError"/> with the error read (and so cleared). On this kernel the same socket
/// and rings work again once the link is back up (NETDEV_UP hooks the socket in again); an interface that was removed
/// and re-created has a new index, which takes a new ring (<see cref="Reopen"/>).
/// </summary>
public sealed unsafe class PacketRing : IDisposable
{
    private const int PollTimeoutMs = 100;
    private const int TransmitWaitMs = 20;
    private const int BlockBytes = 128 << 10;

    private readonly PacketRingOptions _options;
    private SockFilter[]? _filter;
    private readonly SafeSocketFd _socket;
    private readonly SafeMmapRegion _rings;
    private readonly int _frameSize;
    private readonly int _rxFrames;
    private readonly int _txFrames;
    private readonly int _batchSize;
    private readonly byte[] _scratch;
    private readonly Lock _statsLock = new();
    private int _rxIndex;
    private int _txIndex;
    private int _txQueued;
    private long _kernelDrops;

    public string Interface { get; }

    /// <summary>The interface index the socket is bound to.</summary>
    public int IfIndex { get; }

    /// <summary>The error the socket reported when <see cref="Run"/> last returned <see cref="RingExit.SocketError"/> (an errno, 0 if none was pending).</summary>
    public int SocketError { get; private set; }

    private PacketRing(string interfaceName, int ifIndex, SafeSocketFd socket, SafeMmapRegion rings, PacketRingOptions options, SockFilter[]? filter, int rxFrames, int txFrames)
    {
        Interface = interfaceName;
        IfIndex = ifIndex;
        _options = options;
        _filter = filter;
        _socket = socket;
        _rings = rings;
        _frameSize = options.FrameSize;
        _rxFrames = rxFrames;
        _txFrames = txFrames;
        _batchSize = options.BatchSize;
        _scratch = new byte[_frameSize];
    }

    /// <summary>Frame bytes a processor may write into one transmit slot.</summary>
    public int TransmitCapacity => _frameSize - TxDataOffset;

    /// <summary>
    /// Opens the rings on <paramref name="interfaceName"/> with <paramref name="filter"/> (classic BPF, see
    /// <see cref="CaptureFilters"/>) attached before the socket is bound, so no unfiltered frame gets in. A null
    /// filter opens a transmit-only ring: no receive ring, and the socket is bound to no protocol, so it receives nothing.
    /// </summary>
    internal static PacketRing Open(string interfaceName, PacketRingOptions options, SockFilter[]? filter)
    {
        var ifIndex = if_nametoindex(interfaceName);
        if (ifIndex == 0)
            throw new StartupException($"no interface '{interfaceName}' in this network namespace; fix \"interface\" in the config or start lbengine inside the host");
        // Protocol 0: the socket receives nothing until bind(), after the filter and the rings are in place.
        var fd = Libc.socket(AfPacket, Libc.SockRaw, 0);
        if (fd.IsInvalid)
        {
            var error = LastError();
            fd.Dispose();
            throw new StartupException($"cannot open an AF_PACKET socket ({error}); lbengine must run as root (CAP_NET_RAW)");
        }
        SafeMmapRegion? map = null;
        try
        {
            var frameSize = options.FrameSize;
            var rxFrames = filter is null ? 0 : RingFrames(options.ReceiveBytes, frameSize);
            var txFrames = RingFrames(options.TransmitBytes, frameSize);
            SetInt(fd, SolPacket, PacketVersion, TPacketV2, "PACKET_VERSION");
            if (filter is not null)
            {
                AttachFilter(fd, filter);
                SetInt(fd, SolPacket, PacketIgnoreOutgoing, 1, "PACKET_IGNORE_OUTGOING");
            }
            // No PACKET_QDISC_BYPASS: it would hide our frames from tcpdump on this host (no dev_queue_xmit_nit) and
            // ignore any shaping the link has (mininet's tc options); veth's noqueue costs next to nothing.
            // A frame the driver refuses is skipped, not left blocking the transmit ring.
            SetInt(fd, SolPacket, PacketLoss, 1, "PACKET_LOSS");
            // In-flight transmit frames count against the send buffer; the default (208 KB) holds ~250 of them.
            TrySetInt(fd, SolSocket, SoSndBufForce, options.TransmitBytes);
            if (rxFrames > 0) SetRing(fd, PacketRxRing, frameSize, rxFrames);
            SetRing(fd, PacketTxRing, frameSize, txFrames);
            var length = (nuint)((long)(rxFrames + txFrames) * frameSize);
            map = mmap(0, length, ProtRead | ProtWrite, MapShared | MapPopulate, fd, 0);
            if (map.IsInvalid) throw new StartupException($"cannot map the packet rings ({LastError()}); lower the ring sizes");
            map.Initialize(length);
            var protocol = filter is null ? (ushort)0 : BinaryPrimitives.ReverseEndianness(EthPAll);
            var address = new SockaddrLl { Family = AfPacket, Protocol = protocol, IfIndex = (int)ifIndex };
            if (bind(fd, &address, (uint)sizeof(SockaddrLl)) != 0)
                throw new StartupException($"cannot bind the packet socket to {interfaceName} ({LastError()}); check that the interface exists and is up");
            // After bind: only a bound socket can join; from then on the kernel gives it only its share of the flows.
            if (filter is not null && options.FanoutGroup is { } group)
            {
                var value = group | ((PacketFanoutHash | PacketFanoutFlagDefrag) << 16);
                if (setsockopt(fd, SolPacket, PacketFanout, &value, sizeof(int)) != 0)
                    throw new StartupException($"cannot join packet fanout group {group} on {interfaceName} ({LastError()}); set \"packet_threads\": 1");
            }
            return new PacketRing(interfaceName, (int)ifIndex, fd, map, options, filter, rxFrames, txFrames);
        }
        catch
        {
            map?.Dispose();
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Replaces the BPF filter (a reload changed the VIPs); the kernel swaps it atomically.</summary>
    internal void SetFilter(SockFilter[] filter)
    {
        AttachFilter(_socket, filter);
        _filter = filter;
    }

    /// <summary>A new ring on the interface of the same name (re-created: a new index), same sizes and current filter.</summary>
    internal PacketRing Reopen() => Open(Interface, _options, _filter);

    /// <summary>Packets the kernel had for the ring and dropped because it was full, since the ring opened.</summary>
    public long KernelDrops()
    {
        lock (_statsLock)
        {
            // The kernel resets its counters on every read: keep the running sums here.
            TpacketStats stats;
            var length = (uint)sizeof(TpacketStats);
            if (!_socket.IsClosed && getsockopt(_socket, SolPacket, PacketStatistics, &stats, ref length) == 0)
            {
                _kernelDrops += stats.Drops;
            }
            return _kernelDrops;
        }
    }

    /// <summary>
    /// Receives and processes frames until <paramref name="stop"/> is cancelled (<see cref="RingExit.Stopped"/>), the
    /// socket reports an error (<see cref="RingExit.SocketError"/>, errno in <see cref="SocketError"/>) or, when idle,
    /// <paramref name="linkUsable"/> (called at most every poll timeout) says the link is gone (<see cref="RingExit.LinkDown"/>).
    /// A processor that throws ends the run with its exception; <see cref="SkipFrame"/> then drops the frame.
    /// </summary>
    public RingExit Run(IFrameProcessor processor, PacketRing transmit, CancellationToken stop, Func<bool>? linkUsable = null)
    {
        if (_rxFrames == 0) throw new InvalidOperationException($"the ring on {Interface} is transmit-only");
        byte* rx = null, tx = null;
        bool rxSocket = false, txSocket = false;
        try
        {
            _rings.AcquirePointer(ref rx);
            transmit._rings.AcquirePointer(ref tx);
            _socket.DangerousAddRef(ref rxSocket);
            transmit._socket.DangerousAddRef(ref txSocket);
            var txSide = new Transmit(transmit, tx + (nint)transmit._rxFrames * transmit._frameSize, transmit._socket.DangerousGetFd());
            return Loop(processor, rx, _socket.DangerousGetFd(), txSide, stop, linkUsable);
        }
        finally
        {
            if (txSocket) transmit._socket.DangerousRelease();
            if (rxSocket) _socket.DangerousRelease();
            if (tx != null) transmit._rings.ReleasePointer();
            if (rx != null) _rings.ReleasePointer();
        }
    }

    /// <summary>The transmit side of a running loop: its ring, the first slot's address and its socket's number.</summary>
    private readonly struct Transmit(PacketRing ring, byte* slots, int fd)
    {
        public PacketRing Ring { get; } = ring;
        public byte* Slots { get; } = slots;
        public int Fd { get; } = fd;
    }

    private RingExit Loop(IFrameProcessor processor, byte* rx, int fd, Transmit transmit, CancellationToken stop, Func<bool>? linkUsable)
    {
        var ring = transmit.Ring;
        var poll = new PollFd { Fd = fd, Events = PollIn };
        while (!stop.IsCancellationRequested)
        {
            var handled = 0;
            while (handled < _batchSize)
            {
                var header = rx + (nint)_rxIndex * _frameSize;
                if ((Volatile.Read(ref *(uint*)header) & TpStatusUser) == 0) break;
                var snapLength = *(uint*)(header + 8);
                var macOffset = *(ushort*)(header + 12);
                var frame = new ReadOnlySpan<byte>(header + macOffset, (int)snapLength);
                var nextIndex = _rxIndex + 1 == _rxFrames ? 0 : _rxIndex + 1;
                var next = rx + (nint)nextIndex * _frameSize;
                if ((Volatile.Read(ref *(uint*)next) & TpStatusUser) != 0)
                    processor.Prefetch(new ReadOnlySpan<byte>(next + *(ushort*)(next + 12), (int)*(uint*)(next + 8)));
                var slot = ring.TransmitSlot(transmit.Slots, transmit.Fd);
                if (slot is null)
                {
                    if (processor.Process(frame, _scratch) > 0) processor.OnSendFailed();
                }
                else
                {
                    var length = processor.Process(frame, new Span<byte>(slot + TxDataOffset, ring.TransmitCapacity));
                    if (length > 0) ring.Queue(slot, length);
                }
                Volatile.Write(ref *(uint*)header, TpStatusKernel);
                _rxIndex = _rxIndex + 1 == _rxFrames ? 0 : _rxIndex + 1;
                handled++;
            }
            if (ring._txQueued > 0) ring.Flush(transmit.Fd);
            if (handled > 0) continue;

            poll.Revents = 0;
            var ready = PollFor(ref poll, PollTimeoutMs);
            if (ready < 0) continue;
            if ((poll.Revents & (PollErr | PollHup | PollNval)) != 0 && (poll.Revents & PollIn) == 0)
            {
                SocketError = TakeSocketError();
                return RingExit.SocketError;
            }
            // A lost carrier reports no error: an idle loop asks about the link now and then.
            if (ready == 0 && linkUsable is not null && !linkUsable()) return RingExit.LinkDown;
        }
        if (ring._txQueued > 0) ring.Flush(transmit.Fd);
        return RingExit.Stopped;
    }

    /// <summary>This ring's transmit side for a loop that receives elsewhere (the agent's AF_XDP path); see <see cref="TransmitLease"/>.</summary>
    internal TransmitLease LeaseTransmit() => new(this);

    /// <summary>
    /// The transmit ring held for one run of another loop: the mapping and the socket stay referenced until disposed
    /// (as <see cref="Run"/> holds them), so a Dispose from another thread waits. Same slots, same flush as the ring's own loop.
    /// </summary>
    internal sealed class TransmitLease : IDisposable
    {
        private readonly PacketRing _ring;
        private readonly byte* _slots;
        private readonly int _fd;
        private readonly bool _socketReferenced;

        public TransmitLease(PacketRing ring)
        {
            _ring = ring;
            byte* rings = null;
            ring._rings.AcquirePointer(ref rings);
            ring._socket.DangerousAddRef(ref _socketReferenced);
            _slots = rings + (nint)ring._rxFrames * ring._frameSize;
            _fd = ring._socket.DangerousGetFd();
        }

        /// <summary>The next free slot (after a flush and a short wait if the ring is full), or null.</summary>
        public byte* Slot() => _ring.TransmitSlot(_slots, _fd);

        /// <summary>Where the frame goes in <paramref name="slot"/>.</summary>
        public Span<byte> Data(byte* slot) => new(slot + TxDataOffset, _ring.TransmitCapacity);

        public void Queue(byte* slot, int length) => _ring.Queue(slot, length);

        /// <summary>Hands the queued slots to the device (one send()).</summary>
        public void Flush()
        {
            if (_ring._txQueued > 0) _ring.Flush(_fd);
        }

        public void Dispose()
        {
            Flush();
            if (_socketReferenced) _ring._socket.DangerousRelease();
            _ring._rings.ReleasePointer();
        }
    }

    /// <summary>
    /// After the processor threw out of <see cref="Run"/>: hands the frame it threw on back to the kernel, so the next
    /// run starts after it (here rather than in a catch, which keeps the hot loop free of exception handling).
    /// </summary>
    internal void SkipFrame()
    {
        byte* rx = null;
        try
        {
            _rings.AcquirePointer(ref rx);
            var header = rx + (nint)_rxIndex * _frameSize;
            if ((Volatile.Read(ref *(uint*)header) & TpStatusUser) == 0) return;
            Volatile.Write(ref *(uint*)header, TpStatusKernel);
            _rxIndex = _rxIndex + 1 == _rxFrames ? 0 : _rxIndex + 1;
        }
        finally
        {
            if (rx != null) _rings.ReleasePointer();
        }
    }

    /// <summary>Reads SO_ERROR, which also clears it (else poll() would report POLLERR forever).</summary>
    private int TakeSocketError()
    {
        int error = 0;
        var length = (uint)sizeof(int);
        return getsockopt(_socket, SolSocket, SoError, &error, ref length) == 0 ? error : System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
    }

    private void Queue(byte* slot, int length)
    {
        *(uint*)(slot + 4) = (uint)length;
        Volatile.Write(ref *(uint*)slot, TpStatusSendRequest);
        _txIndex = _txIndex + 1 == _txFrames ? 0 : _txIndex + 1;
        _txQueued++;
    }

    /// <summary>The next free transmit slot; flushes and waits briefly when the ring is full; null if it stays full.</summary>
    private byte* TransmitSlot(byte* slots, int fd)
    {
        var slot = slots + (nint)_txIndex * _frameSize;
        if (IsFree(slot)) return slot;
        if (_txQueued > 0) Flush(fd);
        var deadline = Environment.TickCount64 + TransmitWaitMs;
        var poll = new PollFd { Fd = fd, Events = PollOut };
        while (!IsFree(slot) && Environment.TickCount64 < deadline)
        {
            poll.Revents = 0;
            PollFor(ref poll, 1);
        }
        return IsFree(slot) ? slot : null;
    }

    private static bool IsFree(byte* slot)
    {
        var status = Volatile.Read(ref *(uint*)slot);
        if (status == TpStatusWrongFormat)
        {
            // Only without PACKET_LOSS; keep the ring moving either way.
            Volatile.Write(ref *(uint*)slot, TpStatusAvailable);
            return true;
        }
        return status == TpStatusAvailable;
    }

    /// <summary>One send() hands every queued slot to the driver (synchronously on veth).</summary>
    private void Flush(int fd)
    {
        if (send(fd, null, 0, MsgDontWait) < 0)
        {
            // EAGAIN/ENOBUFS: the send buffer is full of in-flight frames; the queued slots go with the next flush.
            // ENETDOWN: the link went down; the frames stay queued in their slots and go with the first flush once it
            // is back. Its socket error shows in poll(), which ends the loop.
            var errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            if (errno is EAgain or ENoBufs) return;
        }
        _txQueued = 0;
    }

    private static int PollFor(ref PollFd poll, int timeoutMs)
    {
        fixed (PollFd* p = &poll) return PacketSocket.poll(p, 1, timeoutMs);
    }

    private static void AttachFilter(SafeSocketFd fd, SockFilter[] program)
    {
        fixed (SockFilter* instructions = program)
        {
            var fprog = new SockFprog { Length = (ushort)program.Length, Filter = instructions };
            if (setsockopt(fd, SolSocket, SoAttachFilter, &fprog, (uint)sizeof(SockFprog)) != 0)
                throw new StartupException($"cannot attach the capture filter to the packet socket ({LastError()})");
        }
    }

    /// <summary>Blocks of 128 KB (or one frame), so the kernel finds contiguous pages; whole blocks only.</summary>
    private static int FramesPerBlock(int frameSize) => Math.Max(1, BlockBytes / frameSize);

    private static int RingFrames(int bytes, int frameSize) =>
        Math.Max(1, bytes / frameSize / FramesPerBlock(frameSize)) * FramesPerBlock(frameSize);

    private static void SetRing(SafeSocketFd fd, int option, int frameSize, int frames)
    {
        var framesPerBlock = FramesPerBlock(frameSize);
        var request = new TpacketReq
        {
            BlockSize = (uint)(framesPerBlock * frameSize),
            BlockCount = (uint)(frames / framesPerBlock),
            FrameSize = (uint)frameSize,
            FrameCount = (uint)frames,
        };
        if (setsockopt(fd, SolPacket, option, &request, (uint)sizeof(TpacketReq)) != 0)
            throw new StartupException($"cannot set up the {(option == PacketRxRing ? "receive" : "transmit")} ring ({LastError()}); lower the ring sizes");
    }

    private static void SetInt(SafeSocketFd fd, int level, int option, int value, string name)
    {
        if (setsockopt(fd, level, option, &value, sizeof(int)) != 0)
            throw new StartupException($"the kernel refused {name} on the packet socket ({LastError()}); lbengine's rings need Linux >= 4.20, or set \"packet_io\": \"pcap\"");
    }

    public void Dispose()
    {
        // Under the lock: KernelDrops checks IsClosed before it reads the socket's statistics.
        lock (_statsLock)
        {
            _rings.Dispose();
            _socket.Dispose();
        }
    }
}

/// <summary>Why <see cref="PacketRing.Run"/> returned.</summary>
public enum RingExit
{
    /// <summary>The stop token was cancelled.</summary>
    Stopped,
    /// <summary>poll() reported an error on the socket (ENETDOWN when the link went down; ENODEV when removed).</summary>
    SocketError,
    /// <summary>The idle loop found the link not usable (no carrier, down, or removed) without a socket error.</summary>
    LinkDown,
    /// <summary>The processor threw on a frame, which was dropped (the AF_XDP loop; the ring's loop lets it propagate).</summary>
    ProcessorFailed,
}
