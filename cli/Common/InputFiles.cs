using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Lbdeploy.Common;

/// <summary>
/// Reads an input file (lb.yaml, a topology file) safely: only a regular file (never a FIFO that blocks, a device
/// such as /dev/zero that never ends, or a directory), opened without blocking, read to at most a bound, decoded as
/// strict UTF-8. Every refusal is an <see cref="InputFileException"/> with a one-line reason and fix.
/// </summary>
public static partial class InputFiles
{
    private const int O_RDONLY = 0, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    private const int AT_EMPTY_PATH = 0x1000, STATX_TYPE = 0x1, STATX_SIZE = 0x200;
    private const int S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFCHR = 0x2000, S_IFBLK = 0x6000, S_IFIFO = 0x1000, S_IFSOCK = 0xC000;
    private const int ENOENT = 2, EACCES = 13, ENOTDIR = 20, ELOOP = 40, ENAMETOOLONG = 36;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The bound (see <see cref="InputLimits"/>).</param>
    /// <param name="fix">How to point lbdeploy at the right file ("pass the spec with -f").</param>
    public static string ReadText(string path, long maxBytes, string fix)
    {
        if (path.Length == 0) throw new InputFileException($"no file named; {fix}");
        if (path.Contains('\0')) throw new InputFileException($"the file name holds a NUL character; {fix}");
        var fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new InputFileException(errno switch
            {
                ENOENT => $"file not found; {fix}",
                ENOTDIR => $"a part of the path is not a directory; {fix}",
                EACCES => "permission denied; run as a user who may read it, or copy it somewhere readable",
                ELOOP => $"too many symbolic links; {fix}",
                ENAMETOOLONG => $"the path is too long; {fix}",
                _ => $"cannot open it ({Marshal.GetPInvokeErrorMessage(errno)}); {fix}",
            });
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        var (type, size) = TypeAndSize(handle);
        if (type != S_IFREG)
        {
            throw new InputFileException($"not a regular file but {TypeName(type)}; {fix}");
        }
        if (size > maxBytes)
        {
            throw new InputFileException($"the file is {Bytes(size)}, more than the {Bytes(maxBytes)} lbdeploy reads; {fix}");
        }
        // The size can change under us (a file still being written): read one byte past the bound to notice.
        var buffer = new byte[checked((int)Math.Min(size, maxBytes) + 1)];
        var total = 0;
        using (var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0))
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    if (total > maxBytes) throw new InputFileException($"the file grew past the {Bytes(maxBytes)} lbdeploy reads; {fix}");
                    Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1, buffer.Length * 2L));
                }
                var read = stream.Read(buffer, total, buffer.Length - total);
                if (read == 0) break;
                total += read;
            }
        }
        if (total > maxBytes) throw new InputFileException($"the file grew past the {Bytes(maxBytes)} lbdeploy reads; {fix}");
        try
        {
            var text = StrictUtf8.GetString(buffer, 0, total);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException e)
        {
            var offset = e.Index;
            var line = 1 + buffer.AsSpan(0, Math.Max(0, Math.Min(offset, total))).Count((byte)'\n');
            throw new InputFileException($"not UTF-8 text (an invalid byte on line {line}); save it as UTF-8", line);
        }
    }

    private static (int Type, long Size) TypeAndSize(SafeFileHandle handle)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (statx((int)handle.DangerousGetHandle(), "", AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            throw new InputFileException($"cannot inspect it ({Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())})");
        }
        // struct statx: stx_mode is the u16 at offset 28, stx_size the u64 at offset 40 (the same on every architecture).
        var mode = BitConverter.ToUInt16(buffer[28..30]);
        var size = BitConverter.ToInt64(buffer[40..48]);
        return (mode & S_IFMT, size);
    }

    private static string TypeName(int type) => type switch
    {
        S_IFDIR => "a directory",
        S_IFCHR => "a character device",
        S_IFBLK => "a block device",
        S_IFIFO => "a named pipe",
        S_IFSOCK => "a socket",
        _ => "a special file",
    };

    private static string Bytes(long bytes) => bytes >= 1 << 20 ? $"{bytes / (1 << 20)} MiB" : bytes >= 1 << 10 ? $"{bytes / (1 << 10)} KiB" : $"{bytes} bytes";

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string path, int flags, int mask, ref byte buffer);
}

/// <summary>An input file lbdeploy refuses to read; <see cref="Line"/> is where the problem is, when it is in the text.</summary>
public sealed class InputFileException(string reason, int line = 1) : Exception(reason)
{
    public int Line { get; } = line;
}
