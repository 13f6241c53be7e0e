using System.Globalization;
using Lbdeploy.Common;
using Lbdeploy.Spec;

namespace Lbdeploy.Remote;

/// <summary>
/// The argv lbdeploy gives ssh for one command on one machine: never a password prompt (BatchMode), never a host key
/// taken on trust (StrictHostKeyChecking=yes against the inventory's known_hosts or the user's), one multiplexed
/// connection per machine (ControlMaster/ControlPath/ControlPersist), and `--` before the destination. The remote
/// command is `/bin/sh -c SCRIPT`, under `sudo -n` when the user is not root, quoted once for the remote login shell.
/// </summary>
public static class SshCommandLine
{
    public static IReadOnlyList<string> For(InventoryHost host, SshSettings settings, string command) =>
        [.. Options(host, settings), "--", host.Address, RemoteCommand(host, command)];

    /// <summary>The options before the destination: a machine's connection, independent of the command.</summary>
    public static IReadOnlyList<string> Options(InventoryHost host, SshSettings settings)
    {
        var options = new List<string>
        {
            "-T",
            "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "UserKnownHostsFile=" + (host.KnownHostsFile ?? SshSettings.DefaultKnownHosts),
            "-o", "ConnectTimeout=" + Seconds(SshSettings.ConnectTimeout),
            "-o", "ServerAliveInterval=5",
            "-o", "ServerAliveCountMax=3",
            "-o", "LogLevel=ERROR",
            "-p", host.Port.ToString(CultureInfo.InvariantCulture),
            "-l", host.User,
        };
        options.AddRange(Multiplexing(settings));
        if (host.KeyFile is { } key)
        {
            // Only this key: an agent's other identities would count as failed attempts against MaxAuthTries.
            options.AddRange(["-i", key, "-o", "IdentitiesOnly=yes"]);
        }
        return options;
    }

    /// <summary>
    /// One master connection per machine, its socket named by %C (a 40-character hash of the connection) in the
    /// control folder; ssh creates it under a name 17 characters longer, and a Unix socket path holds at most 107
    /// bytes: with a control folder too long for that, each command connects on its own.
    /// </summary>
    public static IReadOnlyList<string> Multiplexing(SshSettings settings) =>
        settings.ControlDirectory.Length + 1 + 40 + 17 <= 107
            ? ["-o", "ControlMaster=auto", "-o", "ControlPath=" + settings.ControlDirectory + "/%C", "-o", "ControlPersist=" + Seconds(SshSettings.ControlPersist)]
            : ["-o", "ControlMaster=no", "-o", "ControlPath=none"];

    /// <summary>What the remote login shell runs: /bin/sh on the script, as root (sudo -n: fail rather than prompt).</summary>
    public static string RemoteCommand(InventoryHost host, string script) =>
        (host.NeedsSudo ? "sudo -n " : "") + "/bin/sh -c " + ShellQuoting.QuoteScript(script);

    private static string Seconds(TimeSpan span) => ((int)span.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
