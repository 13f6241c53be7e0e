using System.CommandLine;
using Lbdeploy.Common;
using Lbdeploy.Planning;
using Lbdeploy.Runner;
using Lbdeploy.Spec;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy diff [-f lb.yaml] [--json]`: what `apply` would change on the deployment of this state folder (or, with an
/// inventory, on its machines over SSH), and where its live network drifted from the applied plan (switch FIBs, the
/// VIP on the DIPs, dead processes). Read-only;
/// exit 0 when there is nothing to do, <see cref="ExitCodes.Pending"/> when apply would change something.
/// </summary>
public static class DiffCommand
{
    public static Command Create()
    {
        var spec = GlobalOptions.SpecFile();
        var json = JsonOutput.Option("Print the changes and the drift as JSON");
        var command = new Command("diff", "Show what apply would change, drift of the live network included (exit 0: nothing, 2: changes or drift pending, 1: error)") { spec, json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, token) =>
            RunAsync(context.Plan(context.Get(spec)!), context.Get(json), context.Output, RunnerEnvironment.Default, token), ct));
        return command;
    }

    public static async Task<int> RunAsync(DeploymentPlan plan, bool json, TextWriter output, RunnerEnvironment environment, CancellationToken ct)
    {
        if (plan.Inventory is { } inventory)
        {
            // The inventory names the machines: what apply would do there, even before anything was applied.
            var target = NetworkLocator.ForMachines(plan, environment);
            var onMachines = await new Deployer(TextWriter.Null, environment).DiffAsync(plan, target, ct);
            return Report(plan, onMachines, $"{target.Ssh.Inventory.Hosts.Count} machines of {inventory.DisplayPath} over SSH", json, output);
        }
        Testbed.LinuxTestbed.RequireRootAndMininet();
        var (_, network) = NetworkLocator.Deployed(plan, environment);
        return await ReportAsync(plan, network, json, output, environment, ct);
    }

    /// <summary>The change set on <paramref name="network"/> (the state folder's deployment), printed; the exit code.</summary>
    public static async Task<int> ReportAsync(DeploymentPlan plan, Nodes.MininetNetwork network, bool json, TextWriter output, RunnerEnvironment environment, CancellationToken ct)
    {
        var changes = await new Deployer(TextWriter.Null, environment).DiffAsync(plan, network, ct);
        return Report(plan, changes, $"{network.Nodes.Count} nodes", json, output);
    }

    /// <summary>Prints <paramref name="changes"/> (made on <paramref name="where"/>: "36 nodes"); the exit code.</summary>
    private static int Report(DeploymentPlan plan, ChangeSet changes, string where, bool json, TextWriter output)
    {
        var drift = changes.Drift;
        if (json)
        {
            var report = new DiffReport(
                [.. changes.Changes.Select(c => new DiffChange(c.Kind.ToString().ToLowerInvariant(), c.Label, c.Detail))],
                [.. drift.Select(d => new DiffDrift(d.Unit, d.Node, d.What))],
                changes.Unchanged);
            return JsonOutput.Write(output, changes.Clean ? ExitCodes.Success : ExitCodes.Pending, report);
        }
        else if (changes.Clean)
        {
            output.WriteLine($"diff: nothing to change; the network matches {plan.SpecPath} ({changes.Unchanged} units, no drift)");
        }
        else
        {
            output.WriteLine(changes.IsEmpty
                ? $"diff: apply of {plan.SpecPath} would change nothing ({where}, switches: {plan.Target.Name()}), but the network drifted:"
                : $"diff: apply of {plan.SpecPath} would change ({where}, switches: {plan.Target.Name()}):");
            foreach (var change in changes.Changes) output.WriteLine(change.ToString());
            if (!drift.IsEmpty)
            {
                output.WriteLine($"drift: {drift.Length} {(drift.Length == 1 ? "difference" : "differences")} between the live network and the applied plan:");
                foreach (var item in drift) output.WriteLine($"  drift {item}");
                foreach (var note in changes.Observed.Select(d => d.Why).Distinct(StringComparer.Ordinal))
                {
                    output.WriteLine($"  ({note})");
                }
            }
            output.WriteLine($"plan: {changes.Summary}; {drift.Length} drifted");
        }
        return changes.Clean ? ExitCodes.Success : ExitCodes.Pending;
    }

    private sealed record DiffReport(
        IReadOnlyList<DiffChange> Changes,
        IReadOnlyList<DiffDrift> Drift,
        int Unchanged);

    private sealed record DiffChange(string Kind, string Unit, string Detail);

    private sealed record DiffDrift(string Unit, string Node, string What);
}
