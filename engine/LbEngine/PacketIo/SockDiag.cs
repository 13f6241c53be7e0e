using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Lb.Core.Flows;
using Lb.Engine.Interop;
using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo;

/// <summary>
/// The kernel's TCP socket table through netlink sock_diag: one exact lookup (SOCK_DIAG_BY_FAMILY with an
/// inet_diag_req_v2, no dump) per question, the 4-tuple local VIP:port, remote client:port. The kernel's exact
/// lookup falls back to a listening socket, so a LISTEN answer counts as "no connection"; so do TIME_WAIT and CLOSE,
/// which take no more data (a client that reused the port has its new connection elsewhere). Two preallocated buffers,
/// no allocation per lookup; one caller thread. Replies wait at most 100 ms (a lost answer is "no connection").
/// </summary>
internal sealed unsafe partial class SockDiag : IDisposable
{
    private const int NetlinkSockDiag = 4;
    private const int AfNetlink = 16;
    private const ushort SockDiagByFamily = 20;
    private const ushort NlmsgError = 2;
    private const ushort NlmFRequest = 1;
    private const int TcpTimeWait = 6;
    private const int TcpClose = 7;
    private const int TcpListen = 10;
    private const int RequestLength = 16 + 56;
    private const int ReplyBufferLength = 8192;
    private const int SolSocket = 1;
    private const int SoRcvtimeo = 20;

    private readonly SafeSocketFd _fd;
    private readonly byte* _request;
    private readonly byte* _reply;
    private uint _sequence;

    private SockDiag(SafeSocketFd fd)
    {
        _fd = fd;
        _request = (byte*)NativeMemory.AllocZeroed(RequestLength);
        _reply = (byte*)NativeMemory.AllocZeroed(ReplyBufferLength);
    }

    /// <summary>Lookups made and their total time, for the stats (the benchmark reports the mean).</summary>
    public long Lookups { get; private set; }
    public long Nanoseconds { get; private set; }

    /// <summary>Opens the netlink socket; a one-line <see cref="StartupException"/> when the kernel refuses it.</summary>
    public static SockDiag Open()
    {
        var fd = Libc.socket(AfNetlink, Libc.SockDgram, NetlinkSockDiag);
        if (fd.IsInvalid)
            throw new StartupException($"cannot open a netlink sock_diag socket ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}); the second chance needs it to find local connections (modprobe inet_diag tcp_diag)");
        var timeout = stackalloc long[2] { 0, 100_000 }; // struct timeval: 100 ms
        setsockopt(fd, SolSocket, SoRcvtimeo, timeout, 16);
        return new SockDiag(fd);
    }

    /// <summary>Whether the kernel has a TCP connection that still takes data (not LISTEN, TIME_WAIT or CLOSE) for the client flow <paramref name="flow"/> (client -> VIP:port).</summary>
    public bool HasConnection(in FlowKey flow)
    {
        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        var found = Lookup(flow);
        Nanoseconds += (long)System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalNanoseconds;
        Lookups++;
        return found;
    }

    private bool Lookup(in FlowKey flow)
    {
        var sequence = ++_sequence;
        var request = new Span<byte>(_request, RequestLength);
        request.Clear();
        // struct nlmsghdr (host order)
        BinaryPrimitives.WriteUInt32LittleEndian(request, RequestLength);
        BinaryPrimitives.WriteUInt16LittleEndian(request[4..], SockDiagByFamily);
        BinaryPrimitives.WriteUInt16LittleEndian(request[6..], NlmFRequest);
        BinaryPrimitives.WriteUInt32LittleEndian(request[8..], sequence);
        // struct inet_diag_req_v2: family, protocol, ext, pad, states; then inet_diag_sockid (ports, addresses big-endian)
        request[16] = (byte)Libc.AfInet;
        request[17] = Lb.Core.Packets.IpProtocol.Tcp;
        BinaryPrimitives.WriteUInt32LittleEndian(request[20..], 0xFFF & ~(1u << TcpListen));
        BinaryPrimitives.WriteUInt16BigEndian(request[24..], flow.DestinationPort); // local: VIP:port
        BinaryPrimitives.WriteUInt16BigEndian(request[26..], flow.SourcePort);      // remote: the client
        BinaryPrimitives.WriteUInt32BigEndian(request[28..], flow.Destination);
        BinaryPrimitives.WriteUInt32BigEndian(request[44..], flow.Source);
        BinaryPrimitives.WriteUInt32LittleEndian(request[64..], uint.MaxValue); // INET_DIAG_NOCOOKIE
        BinaryPrimitives.WriteUInt32LittleEndian(request[68..], uint.MaxValue);

        var kernel = stackalloc byte[12]; // struct sockaddr_nl to pid 0
        new Span<byte>(kernel, 12).Clear();
        kernel[0] = AfNetlink;
        if (sendto(_fd, _request, RequestLength, 0, kernel, 12) != RequestLength) return false;
        while (true)
        {
            var length = recv(_fd, _reply, ReplyBufferLength, 0);
            if (length < 16) return false; // timeout or error: treated as no connection
            var reply = new ReadOnlySpan<byte>(_reply, (int)length);
            if (BinaryPrimitives.ReadUInt32LittleEndian(reply[8..]) != sequence) continue; // a late answer to an earlier question
            var type = BinaryPrimitives.ReadUInt16LittleEndian(reply[4..]);
            if (type == NlmsgError || type != SockDiagByFamily || length < 18) return false; // ENOENT: no such socket
            return reply[17] is not (TcpListen or TcpTimeWait or TcpClose); // inet_diag_msg.idiag_state
        }
    }

    public void Dispose()
    {
        _fd.Dispose();
        NativeMemory.Free(_request);
        NativeMemory.Free(_reply);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendto(SafeSocketFd fd, byte* buffer, nint length, int flags, byte* address, int addressLength);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint recv(SafeSocketFd fd, byte* buffer, nint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setsockopt(SafeSocketFd fd, int level, int name, void* value, int length);
}
