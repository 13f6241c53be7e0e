using System.Globalization;

namespace Lbdeploy.Nodes;

/// <summary>
/// The argument vectors `lbdeploy exec` and `lbdeploy shell` start: `mnexec -a PID` enters the node's network and
/// mount namespaces and execs the rest of its arguments (no shell in between), here `env`, which execs the user's
/// program with its words exactly as typed, nothing to quote. `env` also gives a program that cannot start a shell's
/// exit codes (127 not found, 126 not executable) rather than mnexec's 1.
/// </summary>
public static class NodeCommandLine
{
    public const string Env = "/usr/bin/env";

    public const string Bash = "/bin/bash";

    /// <summary>`mnexec -a PID env -- CMD ARGS...`: <paramref name="argv"/> runs inside the node whose shell is <paramref name="pid"/>.</summary>
    public static IReadOnlyList<string> Exec(int pid, IReadOnlyList<string> argv)
    {
        if (argv.Count == 0) throw new ArgumentException("a command needs at least the program's name", nameof(argv));
        return [.. Enter(pid), Env, "--", .. argv];
    }

    /// <summary>
    /// An interactive bash inside the node with a prompt naming it (`h3# `): no rc file, which could set another
    /// prompt; `env` sets PS1, which bash takes from its environment.
    /// </summary>
    public static IReadOnlyList<string> Shell(int pid, string node) =>
        [.. Enter(pid), Env, Prompt(node), Bash, "--norc", "--noprofile", "-i"];

    public static string Prompt(string node) => $"PS1={node}# ";

    private static string[] Enter(int pid) => [HostShell.MnExec, "-a", pid.ToString(CultureInfo.InvariantCulture)];
}
