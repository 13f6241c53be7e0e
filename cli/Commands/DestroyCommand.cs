using System.CommandLine;
using Lbdeploy.Runner;

namespace Lbdeploy.Commands;

/// <summary>`lbdeploy destroy [--json]`: stops the engines and servers, removes the VIPs and switch rules apply made, clears its state.</summary>
public static class DestroyCommand
{
    public static Command Create()
    {
        var json = JsonOutput.Option("Print what was removed as JSON");
        var command = new Command("destroy", "Undo apply: stop engines and servers, remove VIPs and switch rules (the network keeps running)") { json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            var destroyed = await RunAsync(context.Progress, token);
            return context.Json ? JsonOutput.Write(context.Output, CommandRunner.Success, destroyed) : CommandRunner.Success;
        }, ct));
        return command;
    }

    /// <summary>Destroys the state folder's deployment, progress on <paramref name="output"/>; what it removed.</summary>
    public static async Task<DestroyOutcome> RunAsync(TextWriter output, CancellationToken ct)
    {
        var environment = RunnerEnvironment.Default;
        // A deployment on machines is reached over SSH; the testbed's needs root and mininet here.
        if (environment.State.Load()?.Transport != Transports.Ssh) Testbed.LinuxTestbed.RequireRootAndMininet();
        var report = await new Deployer(output, environment).DestroyAsync(ct);
        output.WriteLine(report is null ? "destroy: nothing is applied" : "destroy: done");
        return new DestroyOutcome(report is not null, report?.NetworkGone ?? false, report is null ? [] : [.. report.Removed]);
    }
}

/// <summary>destroy's --json document (and part of down's): whether anything was applied, and the units removed.</summary>
public sealed record DestroyOutcome(bool WasApplied, bool NetworkGone, IReadOnlyList<string> Removed);
