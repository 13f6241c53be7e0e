using System.Runtime.InteropServices;

namespace Lb.Engine.Interop;

internal static partial class Libc
{
    public const int AfInet = 2;
    public const int SockDgram = 2;
    public const int SockRaw = 3;
    public const ulong SiocGifMtu = 0x8921;
    public const ulong SiocGifFlags = 0x8913;
    /// <summary>ifr_flags bits: the interface is administratively up / has its carrier (operationally up).</summary>
    public const short IffUp = 0x1;
    public const short IffRunning = 0x40;
    public const int IfNameSize = 16;
    /// <summary>sizeof(struct ifreq) on 64-bit Linux.</summary>
    public const int IfReqSize = 40;
    public const int EPerm = 1;
    public const int EAcces = 13;

    /// <summary>A new socket; check <c>IsInvalid</c> (then the error is in Marshal.GetLastPInvokeError).</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial SafeSocketFd socket(int domain, int type, int protocol);

    [LibraryImport("libc")]
    public static partial uint geteuid();

    [LibraryImport("libc", SetLastError = true)]
    public static unsafe partial int ioctl(SafeSocketFd fd, ulong request, void* argument);

    /// <summary>Only <see cref="SafeSocketFd"/> closes descriptors.</summary>
    [LibraryImport("libc", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport("libc")]
    public static partial int gettid();

    [LibraryImport("libc", SetLastError = true)]
    public static partial int setpriority(int which, int who, int priority);

    public const int PrioProcess = 0;

    /// <summary>rename(2): atomic within one file system, replacing what <paramref name="newPath"/> named.</summary>
    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rename(string oldPath, string newPath);
}
