using System.Runtime.InteropServices;

namespace Lbdeploy.Common;

/// <summary>
/// Checks a folder lbdeploy is about to write into (the plan's --out, the state directory) before any work: it must be
/// a folder or creatable as one (no file on the way), on a real filesystem (not /proc, /sys, /dev or another virtual
/// one), and writable. Every refusal is one <see cref="LbdeployException"/> line naming the folder and the fix.
/// </summary>
public static partial class WritableFolders
{
    private const int W_OK = 2, X_OK = 1;
    private const int PathMax = 4000;

    // statfs f_type of filesystems that only look like folders: writing a plan there fails or changes the kernel.
    private static readonly Dictionary<long, string> VirtualFilesystems = new()
    {
        [0x9fa0] = "proc",
        [0x62656572] = "sysfs",
        [0x27e0eb] = "cgroup",
        [0x63677270] = "cgroup2",
        [0x64626720] = "debugfs",
        [0x73636673] = "securityfs",
        [0xcafe4a11] = "bpf",
        [0x74726163] = "tracefs",
        [0x6165676c] = "pstore",
        [0x62656570] = "configfs",
        [0xde5e81e4] = "efivarfs",
        [0x65735543] = "fusectl",
        [0x1cd1] = "devpts",
        [0x42494e4d] = "binfmt_misc",
        [0x19800202] = "mqueue",
        [0x958458f6] = "hugetlbfs",
    };

    // Trees that are virtual whatever filesystem holds them (/dev is a tmpfs-like devtmpfs).
    private static readonly string[] VirtualTrees = ["/proc", "/sys", "/dev"];

    /// <param name="path">The folder (need not exist yet).</param>
    /// <param name="what">How the user named it, for messages ("--out", "LBDEPLOY_STATE_DIR").</param>
    /// <returns>The full path.</returns>
    public static string Check(string path, string what)
    {
        if (path.Length == 0) throw new LbdeployException($"{what} is empty; name a folder");
        if (TerminalText.HasControl(path)) throw new LbdeployException($"{what} {TerminalText.Quote(path)} holds a control character; name a plain folder path");
        var full = Path.GetFullPath(path);
        var shown = TerminalText.Quote(full);
        if (full.Length > PathMax) throw new LbdeployException($"{what} {shown} is longer than {PathMax} characters; choose a shorter path");
        foreach (var tree in VirtualTrees)
        {
            if (full == tree || full.StartsWith(tree + "/", StringComparison.Ordinal))
                throw new LbdeployException($"{what} {shown} is inside {tree}, a virtual filesystem of the kernel; choose a normal folder");
        }

        // Walk up to the deepest part that exists: it must be a folder, and the rest is created under it.
        var existing = full;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                throw new LbdeployException(existing == full
                    ? $"{what} {shown} is a file, not a folder; choose a folder (it is created if missing)"
                    : $"{what} {shown} cannot be created: {TerminalText.Quote(existing)} is a file; choose a folder path");
            }
            existing = Path.GetDirectoryName(existing) ?? "/";
        }
        if (FilesystemType(existing) is { } type && VirtualFilesystems.TryGetValue(type, out var name))
        {
            throw new LbdeployException($"{what} {shown} is on a {name} filesystem, which only the kernel writes; choose a normal folder");
        }
        if (access(existing, W_OK | X_OK) != 0)
        {
            var reason = Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError());
            throw new LbdeployException($"{what} {shown} is not writable ({TerminalText.Quote(existing)}: {reason}); choose a folder you may write, or run as its owner");
        }
        return full;
    }

    /// <summary>
    /// Checks a file lbdeploy is asked to write (--svg FILE, generate-fabric --out FILE): its folder as
    /// <see cref="Check"/> does, and the path itself must not be a folder.
    /// </summary>
    /// <returns>The full path.</returns>
    public static string CheckFile(string path, string what)
    {
        if (path.Length == 0) throw new LbdeployException($"{what} is empty; name a file");
        if (TerminalText.HasControl(path)) throw new LbdeployException($"{what} {TerminalText.Quote(path)} holds a control character; name a plain file path");
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new LbdeployException($"{what} {TerminalText.Quote(full)} is a folder; name a file in it");
        Check(Path.GetDirectoryName(full) ?? "/", $"{what}'s folder");
        return full;
    }

    private static unsafe long? FilesystemType(string path)
    {
        // struct statfs starts with f_type (a long on 64-bit Linux); 256 bytes cover the whole struct.
        var buffer = stackalloc long[32];
        return statfs(path, buffer) == 0 ? buffer[0] : null;
    }

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statfs(string path, long* buffer);

    [LibraryImport("libc", EntryPoint = "access", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int access(string path, int mode);
}
