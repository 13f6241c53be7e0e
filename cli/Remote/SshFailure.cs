using Lbdeploy.Common;
using Lbdeploy.Spec;

namespace Lbdeploy.Remote;

/// <summary>
/// A machine lbdeploy could not reach or act on (down, key refused, host key changed or unknown, no passwordless
/// sudo): one line naming the machine, what ssh said and the fix. Nothing ran there, so that machine's recorded state
/// is still true; the deployer saves what the others did.
/// </summary>
public sealed class SshException(string message) : RunnerException(message);

/// <summary>Reads ssh's own failures (exit 255 and its message) and sudo's refusal out of a command's result.</summary>
public static class SshFailure
{
    /// <summary>ssh exits with this when it failed itself (the remote command's own codes are 0-254 as it returned them).</summary>
    public const int SshExitCode = 255;

    /// <summary>The failure as one line, or null when the command ran (its exit code is its own).</summary>
    public static SshException? Classify(InventoryHost host, int exitCode, string standardError)
    {
        var said = LastLine(standardError);
        if (host.NeedsSudo && exitCode == 1 && (standardError.Contains("sudo: a password is required", StringComparison.Ordinal)
            || standardError.Contains("sudo: a terminal is required", StringComparison.Ordinal)
            || standardError.Contains("is not in the sudoers file", StringComparison.Ordinal)))
        {
            return new($"{host.Label}: {host.User} may not run commands as root without a password ({said}); allow it (`{host.User} ALL=(ALL) NOPASSWD: ALL` in /etc/sudoers.d/lbdeploy on that machine) or set ansible_user: root");
        }
        if (exitCode != SshExitCode) return null;
        var knownHosts = host.KnownHostsFile ?? SshSettings.DefaultKnownHosts;
        if (standardError.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", StringComparison.Ordinal))
        {
            return new($"{host.Label}: its host key changed since it was recorded in {knownHosts} (ssh refuses: someone may be impersonating it); if the machine was reinstalled, check its new fingerprint, then `ssh-keygen -R {Destination(host)} -f {knownHosts}` and record the new key");
        }
        if (standardError.Contains("Host key verification failed", StringComparison.Ordinal) || standardError.Contains("No ", StringComparison.Ordinal) && standardError.Contains("host key is known", StringComparison.Ordinal))
        {
            return new($"{host.Label}: its host key is not in {knownHosts} (Host key verification failed); check its fingerprint and record it (`ssh-keyscan -p {host.Port} {host.Address} >> {knownHosts}`), or name the right file with lbdeploy_known_hosts");
        }
        if (standardError.Contains("Permission denied", StringComparison.Ordinal))
        {
            var key = host.KeyFile is { } file ? $"{file}.pub" : "your public key";
            return new($"{host.Label}: the machine refused the key ({said}); add {key} to ~{host.User}/.ssh/authorized_keys there, or fix ansible_user / ansible_ssh_private_key_file in the inventory");
        }
        if (standardError.Contains("Connection refused", StringComparison.Ordinal))
        {
            return new($"{host.Label}: no SSH server answers on port {host.Port} (Connection refused); start sshd on the machine, or fix ansible_host / ansible_port in the inventory");
        }
        if (standardError.Contains("Could not resolve hostname", StringComparison.Ordinal))
        {
            return new($"{host.Label}: {host.Address} does not resolve ({said}); fix ansible_host in the inventory (a DNS name or an IP address)");
        }
        if (standardError.Contains("timed out", StringComparison.OrdinalIgnoreCase) || standardError.Contains("No route to host", StringComparison.Ordinal)
            || standardError.Contains("Network is unreachable", StringComparison.Ordinal) || standardError.Contains("Connection closed", StringComparison.Ordinal)
            || standardError.Contains("Connection reset", StringComparison.Ordinal))
        {
            return new($"{host.Label}: the machine is unreachable ({said}); check that it is up and reachable from here (`ssh -p {host.Port} {host.User}@{host.Address} true`)");
        }
        return new($"{host.Label}: ssh failed ({(said.Length > 0 ? said : "exit 255, no message")}); try `ssh -p {host.Port} {host.User}@{host.Address} true` by hand");
    }

    private static string Destination(InventoryHost host) => host.Port == InventoryVariables.DefaultPort ? host.Address : $"[{host.Address}]:{host.Port}";

    /// <summary>ssh's last non-empty line, terminal-safe and bounded.</summary>
    private static string LastLine(string text) =>
        TerminalText.Escape(text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "", 200);
}
