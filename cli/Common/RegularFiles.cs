using System.Runtime.InteropServices;

namespace Lbdeploy.Common;

/// <summary>
/// Whether a path is a plain file (not a socket, FIFO or device, which .NET lists as files too: opening a FIFO to
/// read it would wait forever), by the path itself, not a link's target.
/// </summary>
public static partial class RegularFiles
{
    public static unsafe bool IsRegular(string path)
    {
        // struct statx: stx_mode is the u16 at offset 28 (the same on every architecture).
        var buffer = stackalloc byte[256];
        const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, STATX_TYPE = 0x1, S_IFMT = 0xF000, S_IFREG = 0x8000;
        return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_TYPE, buffer) == 0 && (*(ushort*)(buffer + 28) & S_IFMT) == S_IFREG;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string path, int flags, int mask, byte* buffer);
}
