using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>
/// How lbdeploy runs and talks to an FRR instance of the frr target (Debian's <c>frr</c> package): the daemons'
/// command lines, vtysh against the instance's own sockets, and frr-reload.py for a changed config. Every path is the
/// plan's runtime folder of the node; each value is quoted.
/// </summary>
public static class FrrCommands
{
    public const string DaemonDirectory = "/usr/lib/frr";

    public const string Vtysh = "/usr/bin/vtysh";

    public const string ReloadScript = "/usr/lib/frr/frr-reload.py";

    /// <summary>
    /// The daemons run as root (the state folder is root's alone, so FRR's own user could not reach its sockets
    /// there) in FRR's vty group, which FRR requires of the user that owns the vty sockets.
    /// </summary>
    public const string VtyGroup = "frrvty";

    /// <summary>The FRR programs the frr target runs that this machine lacks (empty when FRR is installed).</summary>
    public static IReadOnlyList<string> MissingPrograms(string daemonDirectory = DaemonDirectory, string vtysh = Vtysh) =>
        [.. new[] { "zebra", "bgpd", "bfdd" }.Select(d => Path.Combine(daemonDirectory, d)).Append(vtysh).Where(p => !File.Exists(p))];

    /// <summary>The daemon's socket vtysh connects to: present once the daemon accepts commands.</summary>
    public static string VtySocket(string runtimeDirectory, string daemon) => Path.Combine(runtimeDirectory, daemon + ".vty");

    /// <summary>zebra's socket for the other daemons.</summary>
    public static string ZebraSocket(string runtimeDirectory) => Path.Combine(runtimeDirectory, "zserv.api");

    /// <summary>
    /// The command line of one daemon: in the foreground (the daemon launcher detaches it), logging to standard
    /// output (the launcher's log file), with the config's defaults profile (read only at start) and an empty
    /// startup config (the plan's file is loaded by vtysh once every daemon answers, as FRR's integrated config is),
    /// pid file and sockets in the node's runtime folder.
    /// </summary>
    public static string Daemon(string name, string runtimeDirectory)
    {
        var program = Path.Combine(DaemonDirectory, name);
        var words = new List<string>
        {
            program, "-u", "root", "-g", VtyGroup, "-F", Rendering.FrrConfigs.DefaultsProfile, "-f", "/dev/null", "--log", "stdout",
            "-P", "0", // no vty on TCP: a mux host's daemons would listen on its fabric address
            "-i", Path.Combine(runtimeDirectory, name + ".pid"),
            "--vty_socket", runtimeDirectory,
            "-z", ZebraSocket(runtimeDirectory),
        };
        if (name == "bfdd") words.AddRange(["--bfdctl", Path.Combine(runtimeDirectory, "bfdd.sock")]);
        return string.Join(' ', words.Select(ShellQuoting.Quote));
    }

    /// <summary>Loads a config file into the running daemons.</summary>
    public static string Load(string runtimeDirectory, string configFile) =>
        $"{ShellQuoting.Quote(Vtysh)} --vty_socket {ShellQuoting.Quote(runtimeDirectory)} -f {ShellQuoting.Quote(configFile)}";

    /// <summary>One vtysh command (e.g. `show bgp summary json`) against the node's daemons.</summary>
    public static string Show(string runtimeDirectory, string command) =>
        $"{ShellQuoting.Quote(Vtysh)} --vty_socket {ShellQuoting.Quote(runtimeDirectory)} -c {ShellQuoting.Quote(command)}";

    /// <summary>
    /// Applies a changed config to running daemons as FRR's own tool does: the difference only, so sessions the
    /// change does not touch stay up. It wants a vtysh.conf in its config folder (<see cref="VtyshConfig"/>).
    /// </summary>
    public static string Reload(string runtimeDirectory, string configFile) =>
        $"python3 {ShellQuoting.Quote(ReloadScript)} --reload --stdout --bindir /usr/bin --vty_socket {ShellQuoting.Quote(runtimeDirectory)} " +
        $"--confdir {ShellQuoting.Quote(runtimeDirectory)} --rundir {ShellQuoting.Quote(runtimeDirectory)} {ShellQuoting.Quote(configFile)}";

    /// <summary>The (empty) vtysh.conf frr-reload.py reads from its config folder.</summary>
    public static string VtyshConfig(string runtimeDirectory) => Path.Combine(runtimeDirectory, "vtysh.conf");
}
