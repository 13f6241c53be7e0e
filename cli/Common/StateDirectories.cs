using System.Runtime.InteropServices;

namespace Lbdeploy.Common;

/// <summary>
/// Where lbdeploy keeps what it started: <c>/run/lbdeploy</c> (tmpfs: gone after a reboot, like the network it
/// describes), or <c>$LBDEPLOY_STATE_DIR</c>. Everything of one deployment lives below it, so two state directories
/// are two independent deployments (two testbeds can run side by side):
/// <list type="bullet">
/// <item><c>testbed/</c>: launcher.py, testbed.json, launcher.pid, launcher.log, nodes.json (node -> shell pid), topology.json, ready</item>
/// <item><c>deploy/</c>: plan/ (the applied plan's files), logs/, pids/, applied.json (what apply did, with file hashes)</item>
/// <item><c>sockets/</c>: the engines' control sockets</item>
/// <item><c>frr/NODE/</c>: the frr target: each node's FRR daemons' pid files, vty sockets and zebra socket</item>
/// </list>
/// lbdeploy runs scripts from here as root, so the folder must be root's alone (<see cref="Prepare"/> checks it).
/// </summary>
public static partial class StateDirectories
{
    public const string Variable = "LBDEPLOY_STATE_DIR";

    public const string DefaultRoot = "/run/lbdeploy";

    /// <summary>
    /// Longest state folder path: a control socket's path (state/sockets/NODE-agent.sock, node names up to
    /// <see cref="Names.MaxNodeLength"/>) must fit the 107 characters of a Unix socket address.
    /// </summary>
    public const int MaxRootLength = 107 - 1 - 7 - 1 - Names.MaxNodeLength - 11;

    public static string Root =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } dir ? Path.GetFullPath(dir) : DefaultRoot;

    public static string Testbed => Path.Combine(Root, "testbed");

    public static string Deploy => Path.Combine(Root, "deploy");

    public static string Sockets => Path.Combine(Root, SocketsFolder);

    /// <summary>The engines' control sockets' folder below a state folder (or below a machine's lbdeploy_root).</summary>
    public const string SocketsFolder = "sockets";

    public static string Routing => Path.Combine(Root, "frr");

    /// <summary>
    /// Checks the state folder before a command writes to it: a usable folder (see <see cref="WritableFolders"/>),
    /// short enough for socket paths, created root-only when missing, and writable by nobody but its owner (a
    /// folder others can write would let them change the scripts lbdeploy runs as root).
    /// </summary>
    /// <param name="folder">The state folder (default: <see cref="Root"/>).</param>
    public static string Prepare(string? folder = null)
    {
        var what = folder is not null ? "the state folder" : Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } ? Variable : $"the state folder ({DefaultRoot})";
        var root = WritableFolders.Check(folder ?? Root, what);
        if (root.Length > MaxRootLength)
        {
            throw new LbdeployException($"{what} {TerminalText.Quote(root)} is {root.Length} characters; control sockets below it need it at most {MaxRootLength}: choose a shorter path");
        }
        if (!Directory.Exists(root))
        {
            Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var info = new DirectoryInfo(root);
        if (info.LinkTarget is not null)
        {
            throw new LbdeployException($"{what} {TerminalText.Quote(root)} is a symbolic link; point {Variable} at the real folder");
        }
        if ((info.UnixFileMode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0 || OwnerOf(root) != geteuid())
        {
            throw new LbdeployException($"{what} {TerminalText.Quote(root)} can be written by other users (lbdeploy runs scripts from it as root); use a folder only you own and write (chmod go-w), or another {Variable}");
        }
        return root;
    }

    private static unsafe uint OwnerOf(string path)
    {
        // struct statx: stx_uid is the u32 at offset 20 (the same on every architecture).
        var buffer = stackalloc byte[256];
        const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100, STATX_UID = 0x8;
        return statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_UID, buffer) == 0 ? *(uint*)(buffer + 20) : uint.MaxValue;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirfd, string path, int flags, int mask, byte* buffer);

    [LibraryImport("libc")]
    private static partial uint geteuid();
}
