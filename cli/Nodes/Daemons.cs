using System.Globalization;
using CliWrap;
using CliWrap.Buffered;
using Lbdeploy.Common;

namespace Lbdeploy.Nodes;

/// <summary>
/// The one way lbdeploy starts a long-running process (an engine or server inside a node, the mux watcher, the
/// testbed launcher): templates/runner/daemon.sh runs it in its own session with stdin from /dev/null and its output
/// appended to a log, and reports its pid. The program and its arguments travel as argv, never as a shell line.
/// </summary>
public sealed class Daemons : IDaemonLauncher
{
    /// <summary>Starts daemons on this machine, in lbdeploy's own namespaces.</summary>
    public static readonly Daemons Local = new();

    private Daemons()
    {
    }

    public async Task<int> StartAsync(string logFile, IReadOnlyList<string> argv, CancellationToken cancellationToken = default)
    {
        var script = ShippedFiles.Install("runner/daemon.sh");
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        var result = await Cli.Wrap("/bin/bash")
            .WithArguments([script, logFile, .. argv])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        if (result.ExitCode != 0 || !int.TryParse(result.StandardOutput.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            throw new RunnerException($"could not start {TerminalText.Quote(string.Join(' ', argv))}: {TerminalText.Escape(result.StandardError.Trim(), 200)}");
        }
        return pid;
    }
}
