using System.Runtime.InteropServices;

namespace Lb.Engine.Interop;

internal static partial class Libc
{
    public const int AfInet = 2;
    public const int SockRaw = 3;
    public const int EPerm = 1;
    public const int EAcces = 13;

    [LibraryImport("libc", SetLastError = true)]
    public static partial int socket(int domain, int type, int protocol);

    [LibraryImport("libc")]
    public static partial uint geteuid();
}
