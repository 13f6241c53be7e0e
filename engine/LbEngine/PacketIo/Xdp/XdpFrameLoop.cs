using System.Runtime.InteropServices;
using Lb.Engine.Interop;
using static Lb.Engine.Interop.PacketSocket;

namespace Lb.Engine.PacketIo.Xdp;

/// <summary>
/// The packet thread's loop over one <see cref="XskSocket"/>. Frame ownership: the first half of the UMEM is lent to
/// the kernel through the fill ring for receiving; a received frame is handed to the processor in place and goes
/// straight back to the fill ring. The second half is a pool of transmit frames: the processor writes its output
/// into one, which goes to the transmit ring and comes back through the completion ring. The kernel publishes its
/// fill-ring consumer index lazily, so the ring may look full although the frames it took are already back in the
/// receive ring: frames that do not fit wait in a pending list and go back first in the next batch. Batches of up to <see cref="BatchSize"/> frames:
/// one release store per ring per batch, at most a few system calls per batch (the transmit kick), none while busy
/// receiving in copy mode. No allocation per packet.
/// </summary>
internal sealed unsafe class XdpFrameLoop
{
    public const int BatchSize = 64;
    private const int PollTimeoutMs = 100;
    // Copy mode sends at most 32 frames per system call (the kernel's TX_BATCH_SIZE) and answers EAGAIN for the rest.
    private const int MaxKicksPerBatch = BatchSize / 32 + 1;

    private readonly XskSocket _socket;
    private readonly ulong[] _freeTransmitFrames;
    private readonly ulong[] _pendingFill;
    private readonly byte[] _scratch;
    private int _freeCount;
    private int _pendingCount;
    private Exception? _processorFailure;

    public XdpFrameLoop(XskSocket socket)
    {
        _socket = socket;
        _freeTransmitFrames = new ulong[socket.RingSize];
        _pendingFill = new ulong[socket.RingSize];
        _scratch = new byte[socket.FrameSize];
        for (var i = 0u; i < socket.RingSize; i++) _freeTransmitFrames[_freeCount++] = (ulong)(socket.RingSize + i) * (ulong)socket.FrameSize;
        var fill = socket.Fill;
        if (fill.Reserve(socket.RingSize, out var index) != socket.RingSize) throw new XdpUnavailableException("the AF_XDP fill ring is smaller than asked");
        for (var i = 0u; i < socket.RingSize; i++) fill.Address(index + i) = (ulong)i * (ulong)socket.FrameSize;
        fill.Submit(socket.RingSize);
    }

    /// <summary>The error the socket reported when <see cref="Run"/> last returned <see cref="RingExit.SocketError"/>.</summary>
    public int SocketError { get; private set; }

    /// <summary>The exception a processor threw during the last batch (the frame was dropped), taken once.</summary>
    public Exception? TakeProcessorFailure()
    {
        var failure = _processorFailure;
        _processorFailure = null;
        return failure;
    }

    /// <summary>
    /// Receives and processes frames until stopped, a socket error, or (when idle) <paramref name="linkUsable"/> says
    /// the link is gone; the same exits as <see cref="PacketRing.Run"/>. After a batch in which the processor threw,
    /// returns <see cref="RingExit.ProcessorFailed"/> (the frame dropped, the rings consistent).
    /// </summary>
    public RingExit Run(IFrameProcessor processor, CancellationToken stop, Func<bool>? linkUsable, PacketRing? transmitElsewhere = null)
    {
        if (transmitElsewhere is null) return Run(processor, stop, linkUsable, lease: null);
        using var lease = transmitElsewhere.LeaseTransmit();
        return Run(processor, stop, linkUsable, lease);
    }

    /// <summary>The loop; with a <paramref name="lease"/>, output frames go to that AF_PACKET transmit ring instead of this socket.</summary>
    private RingExit Run(IFrameProcessor processor, CancellationToken stop, Func<bool>? linkUsable, PacketRing.TransmitLease? lease)
    {
        var socket = _socket;
        var receive = socket.Receive;
        var fill = socket.Fill;
        var transmit = socket.Transmit;
        var area = socket.Area;
        var frameSize = socket.FrameSize;
        var poll = new PollFd { Fd = socket.Fd, Events = PollIn };
        while (!stop.IsCancellationRequested)
        {
            var received = receive.Peek(BatchSize, out var rxIndex);
            if (received == 0)
            {
                Complete();
                Refill();
                if (transmit.Free(socket.RingSize) < socket.RingSize) Kick();
                poll.Revents = 0;
                var ready = PacketSocket.poll(&poll, 1, PollTimeoutMs);
                if (ready < 0) continue;
                if ((poll.Revents & (PollErr | PollHup | PollNval)) != 0 && (poll.Revents & PollIn) == 0)
                {
                    SocketError = TakeSocketError();
                    return RingExit.SocketError;
                }
                if (ready == 0 && linkUsable is not null && !linkUsable()) return RingExit.LinkDown;
                continue;
            }
            var queued = 0u;
            for (var i = 0u; i < received; i++)
            {
                ref readonly var descriptor = ref receive.Descriptor(rxIndex + i);
                var frame = new ReadOnlySpan<byte>(area + descriptor.Address, (int)descriptor.Length);
                if (lease is not null)
                {
                    var slot = lease.Slot();
                    if (slot is null)
                    {
                        if (Process(processor, frame, _scratch) > 0) processor.OnSendFailed();
                    }
                    else
                    {
                        var length = Process(processor, frame, lease.Data(slot));
                        if (length > 0) lease.Queue(slot, length);
                    }
                    _pendingFill[_pendingCount++] = descriptor.Address - descriptor.Address % (ulong)frameSize;
                    continue;
                }
                var output = TakeTransmitFrame();
                if (output == ulong.MaxValue)
                {
                    if (Process(processor, frame, _scratch) > 0) processor.OnSendFailed();
                }
                else
                {
                    var length = Process(processor, frame, new Span<byte>(area + output, frameSize));
                    if (length > 0 && transmit.Reserve(1, out var txIndex) == 1)
                    {
                        ref var slot = ref transmit.Descriptor(txIndex);
                        slot.Address = output;
                        slot.Length = (uint)length;
                        slot.Options = 0;
                        queued++;
                    }
                    else
                    {
                        _freeTransmitFrames[_freeCount++] = output;
                    }
                }
                // The frame's start, whatever headroom the kernel put in front of the packet.
                _pendingFill[_pendingCount++] = descriptor.Address - descriptor.Address % (ulong)frameSize;
            }
            receive.Release(received);
            Refill();
            lease?.Flush();
            if (queued > 0)
            {
                transmit.Submit(queued);
                if (transmit.NeedsWakeup) Kick();
            }
            // Zero-copy drivers may wait for a system call before they use the new fill entries.
            if (fill.NeedsWakeup)
            {
                var wake = new PollFd { Fd = socket.Fd, Events = PollIn };
                PacketSocket.poll(&wake, 1, 0);
            }
            Complete();
            if (_processorFailure is not null) return RingExit.ProcessorFailed;
        }
        return RingExit.Stopped;
    }

    private int Process(IFrameProcessor processor, ReadOnlySpan<byte> frame, Span<byte> output)
    {
        try
        {
            return processor.Process(frame, output);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The handlers count and drop bad packets; reaching here is a bug: the supervisor reports it.
            _processorFailure ??= e;
            return 0;
        }
    }

    /// <summary>Gives the received frames back to the kernel through the fill ring, as many as it has room for.</summary>
    private void Refill()
    {
        if (_pendingCount == 0) return;
        var fill = _socket.Fill;
        var room = fill.Free((uint)_pendingCount);
        var count = room < (uint)_pendingCount ? room : (uint)_pendingCount;
        if (count == 0 || fill.Reserve(count, out var index) != count) return;
        for (var i = 0u; i < count; i++) fill.Address(index + i) = _pendingFill[--_pendingCount];
        fill.Submit(count);
    }

    /// <summary>A free transmit frame, or <see cref="ulong.MaxValue"/> if the kernel still holds all of them.</summary>
    private ulong TakeTransmitFrame()
    {
        if (_freeCount == 0)
        {
            Complete();
            if (_freeCount == 0)
            {
                Kick();
                Complete();
                if (_freeCount == 0) return ulong.MaxValue;
            }
        }
        return _freeTransmitFrames[--_freeCount];
    }

    /// <summary>Frames the kernel has sent come back to the pool.</summary>
    private void Complete()
    {
        var completion = _socket.Completion;
        var done = completion.Peek(_socket.RingSize, out var index);
        if (done == 0) return;
        for (var i = 0u; i < done; i++) _freeTransmitFrames[_freeCount++] = completion.Address(index + i);
        completion.Release(done);
    }

    /// <summary>Asks the kernel to send what the transmit ring holds (need-wakeup: only when it asks for it).</summary>
    private void Kick()
    {
        for (var attempt = 0; attempt < MaxKicksPerBatch; attempt++)
        {
            if (send(_socket.Fd, null, 0, MsgDontWait) >= 0) return;
            // EAGAIN: copy mode sent its batch and wants another call; EBUSY/ENOBUFS/ENETDOWN: the next kick retries.
            if (Marshal.GetLastPInvokeError() != EAgain) return;
        }
    }

    private int TakeSocketError()
    {
        int error = 0;
        var length = (uint)sizeof(int);
        return LibXdp.getsockopt(_socket.Fd, SolSocket, SoError, &error, ref length) == 0 ? error : Marshal.GetLastPInvokeError();
    }
}
