using Lbdeploy.Common;
using System.Globalization;
using CliWrap;
using CliWrap.Buffered;

namespace Lbdeploy.Runner;

/// <summary>
/// simple_switch_CLI on a bmv2 switch's thrift port (localhost), commands on its stdin: how apply installs a switch's
/// rules and the mux watcher rewrites its VIP entry. <paramref name="program"/> is the CLI to run (tests give a fake).
/// </summary>
public sealed class Bmv2Cli(string program)
{
    public const string DefaultProgram = "simple_switch_CLI";

    /// <summary>What the CLI prints for a key with no entry (table_dump_entry_from_key): an answer, not a failure.</summary>
    public const string MissingKey = "Invalid table operation (BAD_MATCH_KEY)";

    /// <summary>Sends <paramref name="commands"/> (`#` lines dropped) and returns what the CLI printed; any error fails.</summary>
    public Task<string> RunAsync(string sw, int thriftPort, string commands, CancellationToken ct) => SendAsync(sw, thriftPort, commands, false, ct);

    /// <summary>Like <see cref="RunAsync"/>, where a dump of a key with no entry is an answer (<see cref="MissingKey"/>).</summary>
    public Task<string> QueryAsync(string sw, int thriftPort, string commands, CancellationToken ct) => SendAsync(sw, thriftPort, commands, true, ct);

    /// <summary>simple_switch_CLI answers "Unknown syntax" to the plan's `#` header lines: send commands only.</summary>
    private static string WithoutComments(string commands) =>
        string.Join('\n', commands.Split('\n').Where(line => !line.TrimStart().StartsWith('#') && line.Trim().Length > 0)) + "\n";

    private async Task<string> SendAsync(string sw, int thriftPort, string commands, bool missingKeysAnswer, CancellationToken ct)
    {
        BufferedCommandResult result;
        try
        {
            result = await Cli.Wrap(program)
                .WithArguments(["--thrift-port", thriftPort.ToString(CultureInfo.InvariantCulture)])
                .WithStandardInputPipe(PipeSource.FromString(WithoutComments(commands)))
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(ct);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new RunnerException($"switch {sw} (thrift port {thriftPort}): cannot run {program} ({e.Message}); install bmv2 (p4-utils)");
        }
        var failed = result.StandardOutput.Split('\n')
            .Where(l => (l.Contains("Error", StringComparison.Ordinal) || l.Contains("Invalid", StringComparison.Ordinal))
                && !(missingKeysAnswer && l.Contains(MissingKey, StringComparison.Ordinal)))
            .Select(l => l.Replace("RuntimeCmd:", "", StringComparison.Ordinal).Trim())
            .ToList();
        if (result.ExitCode != 0 && failed.Count == 0)
        {
            // No error line: it did not get to the commands (no switch on the port prints "Could not connect ...").
            failed = [.. result.StandardOutput.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Take(2)];
        }
        if (result.ExitCode != 0 || failed.Count > 0)
        {
            throw new RunnerException($"switch {sw} (thrift port {thriftPort}): simple_switch_CLI failed: {string.Join(" | ", failed.Take(3))}{result.StandardError.Trim()}");
        }
        return result.StandardOutput;
    }
}
