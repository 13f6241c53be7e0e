using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Lb.Engine.Interop;
using static Lb.Engine.Interop.PacketSocket;
using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo;

/// <summary>
/// The agent's two raw IPv4 sockets, batched: <c>recvmmsg</c> takes up to <see cref="BatchSize"/> IP-in-IP packets
/// per call into native buffers, and <c>sendmmsg</c> delivers the inner packets (IPPROTO_RAW: header included, so the
/// client's source address is kept) straight from those buffers. One system call per batch each way instead of two
/// per packet. Single-threaded. The sockets are SafeHandles: each batch call holds a reference for its duration, so a
/// Dispose from another thread (the engine stopping) closes a socket only once the blocked receive has returned.
/// </summary>
public sealed unsafe class RawIpBatchSocket : IDisposable
{
    public const int BatchSize = 32;
    /// <summary>A raw IPv4 socket returns whole (reassembled) datagrams: up to 64 KB.</summary>
    private const int BufferSize = 65536;

    private readonly SafeSocketFd _receiveFd;
    private readonly SafeSocketFd _deliverFd;
    private readonly byte* _buffers;
    private readonly IoVec* _receiveIov;
    private readonly MMsgHdr* _receiveMessages;
    private readonly IoVec* _sendIov;
    private readonly SockaddrIn* _sendNames;
    private readonly MMsgHdr* _sendMessages;
    private int _queued;
    private int _disposed;

    /// <summary>Opens both sockets; <paramref name="protocol"/> is the IP protocol received (4: IP-in-IP).</summary>
    public RawIpBatchSocket(int protocol, int bufferBytes, TimeSpan receiveTimeout)
    {
        _receiveFd = Libc.socket(Libc.AfInet, Libc.SockRaw, protocol);
        if (_receiveFd.IsInvalid)
        {
            var error = OpenFailed("a raw IP-in-IP socket");
            _receiveFd.Dispose();
            throw error;
        }
        _deliverFd = Libc.socket(Libc.AfInet, Libc.SockRaw, IpProtoRaw);
        if (_deliverFd.IsInvalid)
        {
            var error = OpenFailed("a raw delivery socket");
            _deliverFd.Dispose();
            _receiveFd.Dispose();
            throw error;
        }
        // Larger buffers absorb bursts; the *FORCE options pass the sysctl caps (root), the plain ones are the fallback.
        if (!TrySetInt(_receiveFd, SolSocket, SoRcvBufForce, bufferBytes)) TrySetInt(_receiveFd, SolSocket, SoRcvBuf, bufferBytes);
        if (!TrySetInt(_deliverFd, SolSocket, SoSndBufForce, bufferBytes)) TrySetInt(_deliverFd, SolSocket, SoSndBuf, bufferBytes);
        // The timeout lets the receive loop notice a stop request.
        var timeout = new TimeVal { Seconds = (long)receiveTimeout.TotalSeconds, Microseconds = receiveTimeout.Milliseconds * 1000L };
        setsockopt(_receiveFd, SolSocket, SoRcvTimeo, &timeout, (uint)sizeof(TimeVal));

        _buffers = (byte*)NativeMemory.AlignedAlloc((nuint)(BatchSize * BufferSize), 4096);
        _receiveIov = Alloc<IoVec>();
        _receiveMessages = Alloc<MMsgHdr>();
        _sendIov = Alloc<IoVec>();
        _sendNames = Alloc<SockaddrIn>();
        _sendMessages = Alloc<MMsgHdr>();
        for (var i = 0; i < BatchSize; i++)
        {
            _receiveIov[i] = new IoVec { Base = _buffers + (nint)i * BufferSize, Length = BufferSize };
            _receiveMessages[i].Header.Iov = &_receiveIov[i];
            _receiveMessages[i].Header.IovLength = 1;
            _sendMessages[i].Header.Iov = &_sendIov[i];
            _sendMessages[i].Header.IovLength = 1;
            _sendMessages[i].Header.Name = &_sendNames[i];
            _sendMessages[i].Header.NameLength = (uint)sizeof(SockaddrIn);
        }
    }

    private static T* Alloc<T>() where T : unmanaged
    {
        var memory = (T*)NativeMemory.AllocZeroed((nuint)BatchSize, (nuint)sizeof(T));
        return memory;
    }

    /// <summary>
    /// Waits for at least one packet (or the receive timeout: returns 0), then takes whatever else is queued.
    /// Returns -errno on an error other than a timeout or an interrupted call.
    /// </summary>
    public int Receive()
    {
        var count = recvmmsg(_receiveFd, _receiveMessages, BatchSize, MsgWaitForOne, null);
        if (count >= 0) return count;
        var errno = Marshal.GetLastPInvokeError();
        return errno is EAgain or EIntr ? 0 : -errno;
    }

    /// <summary>Packet <paramref name="index"/> of the last <see cref="Receive"/>; valid until the next one.</summary>
    public Span<byte> Packet(int index) => new(_buffers + (nint)index * BufferSize, (int)_receiveMessages[index].Length);

    /// <summary>
    /// Queues <c>Packet(index)[offset..offset+length]</c> (an IPv4 packet) for delivery to its destination address.
    /// Deliver with <see cref="Flush"/> before the next <see cref="Receive"/>.
    /// </summary>
    public void Queue(int index, int offset, int length, uint destination)
    {
        var slot = _queued++;
        _sendIov[slot] = new IoVec { Base = _buffers + (nint)index * BufferSize + offset, Length = (nuint)length };
        _sendNames[slot] = new SockaddrIn { Family = Libc.AfInet, Address = BinaryPrimitives.ReverseEndianness(destination) };
    }

    /// <summary>
    /// Delivers every queued packet. sendmmsg stops at the first message that fails: that one is reported to
    /// <paramref name="failed"/> (with its errno) and the rest are sent again.
    /// </summary>
    public void Flush(Action<int>? failed)
    {
        var start = 0;
        while (start < _queued)
        {
            var sent = sendmmsg(_deliverFd, _sendMessages + start, (uint)(_queued - start), 0);
            if (sent > 0)
            {
                start += sent;
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EIntr) continue;
            failed?.Invoke(errno);
            start++;
        }
        _queued = 0;
    }

    private static StartupException OpenFailed(string what)
    {
        var errno = Marshal.GetLastPInvokeError();
        return errno is Libc.EPerm or Libc.EAcces
            ? new StartupException($"root (CAP_NET_RAW) is required to open {what}; run lbengine as root")
            : new StartupException($"cannot open {what} ({Marshal.GetPInvokeErrorMessage(errno)}); check the kernel supports raw sockets");
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _receiveFd.Dispose();
        _deliverFd.Dispose();
        NativeMemory.AlignedFree(_buffers);
        NativeMemory.Free(_receiveIov);
        NativeMemory.Free(_receiveMessages);
        NativeMemory.Free(_sendIov);
        NativeMemory.Free(_sendNames);
        NativeMemory.Free(_sendMessages);
    }
}
