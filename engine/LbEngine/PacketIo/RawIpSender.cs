using System.Runtime.InteropServices;
using Lb.Engine.Interop;
using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo;

/// <summary>
/// socket(AF_INET, SOCK_RAW, IPPROTO_RAW): sends a complete IPv4 packet (header included); the kernel routes it by
/// its destination. The agent's second chance sends its redirected packets through it. One caller thread.
/// </summary>
internal sealed unsafe partial class RawIpSender : IDisposable
{
    private const int IpProtoRaw = 255;
    private readonly SafeSocketFd _fd;

    public RawIpSender()
    {
        _fd = Libc.socket(Libc.AfInet, Libc.SockRaw, IpProtoRaw);
        if (_fd.IsInvalid)
            throw new StartupException($"cannot open a raw IP socket for the second chance's redirects ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}); run lbengine as root");
    }

    /// <summary>Sends <paramref name="packet"/> to its IPv4 destination; 0 or the errno.</summary>
    public int Send(ReadOnlySpan<byte> packet)
    {
        var address = stackalloc byte[16]; // struct sockaddr_in
        new Span<byte>(address, 16).Clear();
        address[0] = (byte)Libc.AfInet;
        packet.Slice(16, 4).CopyTo(new Span<byte>(address + 4, 4));
        fixed (byte* bytes = packet)
        {
            return sendto(_fd, bytes, packet.Length, 0, address, 16) == packet.Length ? 0 : Marshal.GetLastPInvokeError();
        }
    }

    public void Dispose() => _fd.Dispose();

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint sendto(SafeSocketFd fd, byte* buffer, nint length, int flags, byte* address, int addressLength);
}
