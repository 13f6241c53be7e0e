using CliWrap;
using CliWrap.Buffered;
using Lbdeploy.Common;

namespace Lbdeploy.Nodes;

/// <summary>
/// Runs commands inside mininet nodes with `mnexec -a PID` (the node's network and mount namespaces). Every command
/// that addresses a fabric address or the VIP goes through here, and here refuses to run unless the target process
/// lives in a network namespace other than lbdeploy's own: fabric traffic never leaves from the root namespace.
/// </summary>
public sealed class HostShell(MininetNetwork network) : INodeShell
{
    public const string MnExec = "mnexec";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public MininetNetwork Network { get; } = network;

    public async Task<ShellResult> RunAsync(string host, string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var pid = NamespacedPidOf(host);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            var result = await Cli.Wrap(MnExec)
                .WithArguments(["-a", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "/bin/sh", "-c", command])
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cts.Token);
            return new ShellResult(host, command, result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ShellResult(host, command, 124, "", $"timed out after {(timeout ?? DefaultTimeout).TotalSeconds:0.#} s");
        }
    }

    /// <summary>
    /// Starts <paramref name="command"/> as a daemon inside <paramref name="host"/> (its own session, stdin from
    /// /dev/null, stdout and stderr appended to <paramref name="logFile"/>) and returns its pid. `mnexec` and the
    /// inner `sh` both exec, so the pid is the daemon's own.
    /// </summary>
    public async Task<int> StartDaemonAsync(string host, string command, string logFile, CancellationToken cancellationToken = default)
    {
        var pid = NamespacedPidOf(host);
        try
        {
            return await Daemons.Local.StartAsync(logFile, [MnExec, "-a", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "/bin/sh", "-c", "exec " + command], cancellationToken);
        }
        catch (RunnerException e)
        {
            throw new RunnerException($"{host}: {e.Message}");
        }
    }

    /// <summary>The node's shell pid, after checking it really is in another network namespace (the pid `mnexec -a` enters).</summary>
    public int NamespacedPidOf(string host)
    {
        var pid = Network.PidOf(host);
        var own = Processes.NetworkNamespace(Environment.ProcessId);
        var theirs = Processes.NetworkNamespace(pid);
        if (theirs is null)
        {
            throw new RunnerException($"host {host} (pid {pid}) is gone: the mininet network stopped; start it again (lbdeploy testbed up)");
        }
        if (theirs == own)
        {
            throw new RunnerException($"refusing to run a command for {host}: pid {pid} is in lbdeploy's own network namespace, not a testbed host");
        }
        return pid;
    }

    /// <summary>Quotes a value for /bin/sh (the one helper, <see cref="ShellQuoting.Quote"/>).</summary>
    public static string Quote(string text) => ShellQuoting.Quote(text);
}
