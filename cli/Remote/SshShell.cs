using System.ComponentModel;
using CliWrap;
using CliWrap.Buffered;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Spec;

namespace Lbdeploy.Remote;

/// <summary>
/// Runs commands on the inventory's machines with the system's OpenSSH client (<see cref="SshCommandLine"/>): at
/// most <see cref="SshSettings.MaxSessions"/> at once, one multiplexed connection per machine. A command's own exit
/// code is returned as it is; ssh's own failure (the machine down, the key refused, the host key changed or unknown)
/// and sudo's refusal are an <see cref="SshException"/> naming the machine and the fix (<see cref="SshFailure"/>).
/// </summary>
public sealed class SshShell(Inventory inventory, SshSettings settings) : INodeShell
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly SemaphoreSlim sessions = new(settings.MaxSessions, settings.MaxSessions);
    // The master connections' sockets: only lbdeploy's user may reach them (they run commands as that user).
    private readonly Lazy<DirectoryInfo> controlDirectory = new(() => Directory.CreateDirectory(settings.ControlDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));

    public Inventory Inventory { get; } = inventory;

    public SshSettings Settings { get; } = settings;

    public Task<ShellResult> RunAsync(string host, string command, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        RunAsync(host, command, null, timeout, cancellationToken);

    /// <summary>Like <see cref="RunAsync(string, string, TimeSpan?, CancellationToken)"/>, with <paramref name="input"/> on the command's standard input.</summary>
    public async Task<ShellResult> RunAsync(string host, string command, PipeSource? input, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var machine = Inventory.HostOf(host);
        _ = controlDirectory.Value;
        var limit = (timeout ?? DefaultTimeout) + Settings.CommandMargin;
        await sessions.WaitAsync(cancellationToken);
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(limit);
            var result = await Cli.Wrap(Settings.Program)
                .WithArguments(SshCommandLine.For(machine, Settings, command))
                .WithStandardInputPipe(input ?? PipeSource.Null)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cts.Token);
            if (SshFailure.Classify(machine, result.ExitCode, result.StandardError) is { } failure) throw failure;
            return new ShellResult(host, command, result.ExitCode, result.StandardOutput, result.StandardError);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ShellResult(host, command, 124, "", $"timed out after {limit.TotalSeconds:0.#} s (over ssh to {machine.Label})");
        }
        catch (Win32Exception e)
        {
            throw new RunnerException($"cannot run the ssh client {TerminalText.Quote(Settings.Program)} ({e.Message}); install OpenSSH's client (apt-get install openssh-client)");
        }
        finally
        {
            sessions.Release();
        }
    }

    /// <summary>
    /// Opens the master connection to every machine of <paramref name="nodes"/> (each runs `true`), the session bound
    /// holding: a machine that cannot be reached fails here, before anything changed anywhere, and later commands
    /// only open a session on a live connection.
    /// </summary>
    public async Task ConnectAsync(IEnumerable<string> nodes, CancellationToken cancellationToken = default)
    {
        var results = await Task.WhenAll(nodes.Distinct(StringComparer.Ordinal).Select(async node =>
        {
            try
            {
                var result = await RunAsync(node, "true", cancellationToken: cancellationToken);
                return result.Succeeded ? null : new SshException($"{Inventory.HostOf(node).Label}: a plain `true` failed there ({TerminalText.Escape(result.StandardError.Trim(), 200)}); check that the machine runs a POSIX shell and is not overloaded");
            }
            catch (SshException e)
            {
                return e;
            }
        }));
        var failed = results.OfType<SshException>().ToList();
        if (failed.Count == 1) throw failed[0];
        if (failed.Count > 1) throw new SshException($"{failed.Count} machines cannot be reached; the first: {failed[0].Message}");
    }

    /// <summary>
    /// Starts <paramref name="command"/> on the machine under <see cref="RemoteSupervisor"/>, named after the log
    /// file (h1-mux.log: h1-mux), logging below the machine's lbdeploy_root (<see cref="RemoteLayout.LogFile"/>);
    /// returns its pid on that machine.
    /// </summary>
    public Task<int> StartDaemonAsync(string host, string command, string logFile, CancellationToken cancellationToken = default) =>
        new RemoteSupervisor(this).StartAsync(host, Path.GetFileNameWithoutExtension(logFile), command, cancellationToken);
}
