using System.Net.Sockets;
using System.Runtime.InteropServices;
using Lb.Engine.Interop;
using Lb.Engine.Runtime;

namespace Lb.Engine.Control;

/// <summary>
/// Creates the control socket's file so that only root can use it: never through a symbolic link, only below
/// directories no other user can rearrange (none writable by everyone without the sticky bit), and 0600 from the
/// moment it has its name: it is bound and chmod-ed in a private (0700) directory beside it and renamed into place.
/// </summary>
internal static class ControlSocketFile
{
    public const UnixFileMode SocketMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode PublicDirectoryMode = PrivateDirectoryMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    /// <summary>A listening socket at <paramref name="path"/>, mode 0600; a <see cref="StartupException"/> names what is unsafe.</summary>
    public static Socket Listen(string path, int backlog)
    {
        if (OperatingSystem.IsWindows()) throw new PlatformNotSupportedException("lbengine's control socket needs Linux");
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory, PublicDirectoryMode);
        RequireSafeDirectories(directory, path);
        if (new FileInfo(full).LinkTarget is { } target)
            throw new StartupException($"control socket {path} is a symbolic link (to {target}), which lbengine does not follow; remove the link or change \"control_socket\"");
        if (Path.Exists(full) && IsListening(full))
            throw new StartupException($"another engine already answers on control socket {path}; stop it first or change \"control_socket\"");

        // What stands at the path (a stale socket of an engine that did not exit cleanly) is replaced by the rename.
        var staging = Path.Combine(directory, $".lbengine-{Environment.ProcessId}");
        var bound = Path.Combine(staging, "c");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
            Directory.CreateDirectory(staging, PrivateDirectoryMode);
            listener.Bind(new UnixDomainSocketEndPoint(bound));
            File.SetUnixFileMode(bound, SocketMode);
            listener.Listen(backlog);
            if (Libc.rename(bound, full) != 0)
                throw new IOException($"rename to {full} failed ({Marshal.GetLastPInvokeErrorMessage()})");
            return listener;
        }
        catch (Exception e) when (e is SocketException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            listener.Dispose();
            throw new StartupException($"cannot listen on control socket {path} ({e.Message}); fix \"control_socket\" or the directory's permissions");
        }
        finally
        {
            try { Directory.Delete(staging, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Every directory from the root down to <paramref name="directory"/>: another user who can write one could swap the socket.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void RequireSafeDirectories(string directory, string path)
    {
        for (var current = directory; current is not null; current = Path.GetDirectoryName(current))
        {
            // The mode of what the name leads to (a symbolic link's target).
            var mode = File.GetUnixFileMode(current);
            if (mode.HasFlag(UnixFileMode.OtherWrite) && !mode.HasFlag(UnixFileMode.StickyBit))
                throw new StartupException($"control socket {path}: directory {current} is writable by every user without the sticky bit, so anyone could replace the socket; use a root-owned directory such as /run/lbdeploy, or chmod o-w {current}");
        }
    }

    private static bool IsListening(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
