using Lb.Core.Control;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Spec;

namespace Lbdeploy.Remote;

/// <summary>
/// lbengine on a machine: the self-contained single-file build shipped into lbdeploy_root/bin when its hash differs
/// (the machine needs no .NET), the command line that starts it there, and its control socket reached by running
/// `lbengine ctl` there over SSH (the replies are parsed by the same <see cref="ControlClient"/> as local ones).
/// </summary>
public sealed class RemoteEngine(SshShell shell)
{
    /// <summary>What a control command may take on the machine beyond its own timeout (the SSH round trip).</summary>
    private static readonly TimeSpan CarryMargin = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Puts <paramref name="singleFile"/> on the node's machine; false when it was there already.</summary>
    public Task<bool> ShipAsync(string node, string singleFile, CancellationToken cancellationToken = default) =>
        new FileShipment(shell).ShipFileAsync(node, singleFile, RemoteLayout.Of(shell.Inventory.HostOf(node)).Engine, executable: true, cancellationToken);

    /// <summary>The command line that starts an engine of <paramref name="role"/> on the machine with its config there.</summary>
    public static string CommandLine(InventoryHost host, string role, string remoteConfigFile) =>
        $"{ShellQuoting.Quote(RemoteLayout.Of(host).Engine)} {role} --config {ShellQuoting.Quote(remoteConfigFile)}";

    /// <summary>A control client for the engine listening on <paramref name="socket"/> (a path on the node's machine).</summary>
    public ControlClient ControlOf(string node, string socket, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        return new ControlClient(socket, limit, carrier: (command, token) => CarryAsync(node, socket, command, limit, token));
    }

    /// <summary>`lbengine ctl --socket S --timeout N -- WORDS` on the machine: its stdout is the engine's reply.</summary>
    public static string ControlCommand(InventoryHost host, string socket, string command, TimeSpan timeout) =>
        $"{ShellQuoting.Quote(RemoteLayout.Of(host).Engine)} ctl --socket {ShellQuoting.Quote(socket)} --timeout {Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds))} -- "
        + string.Join(' ', command.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ShellQuoting.Quote));

    private async Task<string> CarryAsync(string node, string socket, string command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var host = shell.Inventory.HostOf(node);
        ShellResult result;
        try
        {
            result = await shell.RunAsync(node, ControlCommand(host, socket, command, timeout), timeout + CarryMargin, cancellationToken);
        }
        catch (SshException e)
        {
            throw new ControlException(e.Message);
        }
        if (result.Succeeded) return result.StandardOutput;
        var said = TerminalText.Escape(result.StandardError.Trim().Replace("lbengine ctl: ", "", StringComparison.Ordinal), 300);
        throw new ControlException(result.ExitCode == 127
            ? $"{host.Label}: lbengine is not in {RemoteLayout.Of(host).Bin}; apply again to ship it"
            : $"{host.Label}: {(said.Length > 0 ? said : $"lbengine ctl exited {result.ExitCode}")}");
    }
}
