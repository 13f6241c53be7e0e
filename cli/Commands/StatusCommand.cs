using Lbdeploy.Common;
using System.CommandLine;
using Lbdeploy.Rendering;
using Lbdeploy.Runner;
using Lbdeploy.Status;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy status [--watch] [--json]`: the running engines and DIPs, read from the control sockets of what apply
/// recorded (no spec needed). Rates come from two stats samples one second apart; `--watch` redraws in place every
/// second until Ctrl-C on a terminal, and appends a snapshot a second to a pipe or file.
/// </summary>
public static class StatusCommand
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public static Command Create()
    {
        var watch = new Option<bool>("--watch", "-w") { Description = "Refresh every second in place until Ctrl-C" };
        var json = JsonOutput.Option("Print the status as JSON (with --watch: one document per line, a line a second)");
        var command = new Command("status", "Show every engine (rates, flows, drops) and every DIP (health, weight, share of flows)") { watch, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, token) =>
            RunAsync(context.Get(watch), context.Get(json), context.Output, token), ct));
        return command;
    }

    public static async Task<int> RunAsync(bool watch, bool json, TextWriter output, CancellationToken ct)
    {
        var store = DeployStateFile.Default;
        var state = store.Load() ?? throw new LbdeployException($"nothing is applied (no {store.Paths.StateFile}); deploy with lbdeploy up or lbdeploy apply");
        Sample? previous = null;
        // Screen-clearing codes only on a terminal: piped into a file or `less`, snapshots follow each other instead.
        var redraw = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var previousShown = false;
        while (true)
        {
            StatusReport report;
            try
            {
                (report, previous) = await StatusReport.CollectAsync(state, previous, Interval, ct);
            }
            catch (OperationCanceledException) when (watch && ct.IsCancellationRequested)
            {
                return CommandRunner.Success; // Ctrl-C ends --watch normally
            }
            if (json)
            {
                // --watch --json: JSON Lines, one compact document per snapshot, for a program reading the pipe.
                JsonOutput.Write(output, CommandRunner.Success, report, oneLine: watch);
            }
            else
            {
                if (watch && redraw) output.Write("\u001b[2J\u001b[H"); // clear the screen, cursor home
                else if (watch && previousShown) output.WriteLine(); // a pipe or file gets one snapshot after another
                output.WriteLine(TemplateRenderer.Render("status.txt.sbn", report).TrimEnd());
                output.Flush();
            }
            previousShown = true;
            if (!watch) return CommandRunner.Success;
            try
            {
                await Task.Delay(Interval, ct);
            }
            catch (OperationCanceledException)
            {
                return CommandRunner.Success; // Ctrl-C ends --watch normally
            }
            state = store.Load() ?? throw new LbdeployException("the deployment was destroyed while watching");
        }
    }
}
