using Lbdeploy.Common;
using System.CommandLine;
using Lbdeploy.Planning;
using Lbdeploy.Runner;

using Lbdeploy.Spec;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy apply [-f lb.yaml] [--auto-approve] [--json] [PLANDIR]`: makes the running mininet network match the
/// plan (switch rules, VIPs, servers, agents, muxes), showing what changes first and asking unless --auto-approve.
/// --json never asks: without --auto-approve it refuses.
/// </summary>
public static class ApplyCommand
{
    public static Command Create()
    {
        var spec = GlobalOptions.SpecFile();
        var autoApprove = new Option<bool>("--auto-approve") { Description = "Apply without asking for confirmation" };
        var json = JsonOutput.Option("Print the changes and the result of each as JSON (needs --auto-approve)");
        var planDir = new Argument<string?>("PLANDIR")
        {
            Description = "A plan written by `lbdeploy plan --out DIR`: apply only if it is still what the spec plans",
            Arity = ArgumentArity.ZeroOrOne,
        };
        // The parser hands a mistyped option to the optional argument; say what it most likely is.
        planDir.Validators.Add(result =>
        {
            if (result.Tokens is [{ Value: var value }] && value.StartsWith('-')) result.AddError($"unknown option {TerminalText.Quote(value)} (a plan folder starting with '-': write ./{TerminalText.Escape(value, 100)})");
        });
        var command = new Command("apply", "Make the running network match the plan: switch rules, VIPs, servers and engines") { spec, autoApprove, json, planDir };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, async (context, token) =>
        {
            if (context.Json && !context.Get(autoApprove))
            {
                const string fix = "review the changes with lbdeploy diff --json, then run lbdeploy apply --json --auto-approve";
                throw new LbdeployException($"apply --json does not ask for confirmation; {fix}") { Fix = fix };
            }
            var outcome = await RunAsync(context.Plan(context.Get(spec)!), context.Get(autoApprove), context.ParseResult.GetValue(planDir), context.Progress, token);
            var exit = outcome.Applied || outcome.Changes.Count == 0 ? CommandRunner.Success : CommandRunner.UserError;
            return context.Json ? JsonOutput.Write(context.Output, exit, outcome) : exit;
        }, ct));
        return command;
    }

    /// <summary>Applies the plan, progress on <paramref name="output"/>; the outcome (not applied: the user said no).</summary>
    public static async Task<ApplyOutcome> RunAsync(DeploymentPlan plan, bool autoApprove, string? planDir, TextWriter output, CancellationToken ct)
    {
        if (plan.Inventory is not null) return await OnMachinesAsync(plan, autoApprove, planDir, output, ct);
        Testbed.LinuxTestbed.RequireRootAndMininet();
        RequireTargetSoftware(plan);
        StateDirectories.Prepare();
        var planned = planDir is null ? null : CheckSavedPlan(plan, planDir);
        var network = await NetworkLocator.ForApplyAsync(plan, ct);
        var deployer = new Deployer(output, RunnerEnvironment.Default);
        var changes = await deployer.DiffAsync(plan, network, ct);
        if (planned is not null)
        {
            var now = PlannedNetwork.Of(StateDirectories.Root, PlannedNetwork.Describe(network, Testbed.TestbedState.Default), changes);
            if (planned.MovedTo(now) is { } moved)
            {
                throw new LbdeployException($"the plan in {TerminalText.Quote(planDir!)} is stale: the network moved since it was planned ({moved}); run lbdeploy plan --out {TerminalText.Quote(planDir!)} again, review it, then apply it");
            }
        }
        foreach (var drift in changes.Observed)
        {
            output.WriteLine($"apply: {drift} (left alone: {drift.Why})");
        }
        if (changes.IsEmpty)
        {
            await deployer.EnsureWatcherAsync(plan, network, ct);
            output.WriteLine(changes.Observed.IsEmpty
                ? $"apply: nothing to change; the network matches the plan ({changes.Unchanged} units)"
                : $"apply: nothing to change ({changes.Unchanged} units)");
            return ApplyOutcome.Of(plan, network.Nodes.Count, changes, report: null);
        }
        output.WriteLine($"apply: {plan.SpecPath} on the running network ({network.Nodes.Count} nodes, switches: {plan.Target.Name()}) will change:");
        foreach (var change in changes.Changes) output.WriteLine(change.ToString());
        output.WriteLine($"plan: {changes.Summary}");
        if (!autoApprove && !Confirm(output))
        {
            output.WriteLine("apply: cancelled, nothing changed");
            return ApplyOutcome.Of(plan, network.Nodes.Count, changes, report: null);
        }
        var report = await deployer.ApplyAsync(plan, network, changes, ct);
        return ApplyOutcome.Of(plan, network.Nodes.Count, changes, report);
    }

    /// <summary>
    /// The plan's inventory machines, reached only over SSH: the same change set, confirmation and report as on the
    /// testbed. A saved plan must still be what the spec plans, and the machines must still be as the plan saw them.
    /// </summary>
    private static async Task<ApplyOutcome> OnMachinesAsync(DeploymentPlan plan, bool autoApprove, string? planDir, TextWriter output, CancellationToken ct)
    {
        StateDirectories.Prepare();
        var planned = planDir is null ? null : CheckSavedPlan(plan, planDir);
        var environment = RunnerEnvironment.Default;
        var target = NetworkLocator.ForMachines(plan, environment);
        var machines = target.Ssh.Inventory.Hosts.Count;
        var deployer = new Deployer(output, environment);
        var changes = await deployer.DiffAsync(plan, target, ct);
        if (planned is not null)
        {
            if (!planned.Seen)
            {
                throw new LbdeployException($"the plan in {TerminalText.Quote(planDir!)} did not see the machines it would change ({planned.Network}); once they answer, run lbdeploy plan --out {TerminalText.Quote(planDir!)} again, review it, then apply it");
            }
            var now = PlannedNetwork.Of(StateDirectories.Root, PlannedNetwork.DescribeMachines(plan), changes);
            if (planned.MovedTo(now) is { } moved)
            {
                throw new LbdeployException($"the plan in {TerminalText.Quote(planDir!)} is stale: the machines changed since it was planned ({moved}); run lbdeploy plan --out {TerminalText.Quote(planDir!)} again, review it, then apply it");
            }
        }
        foreach (var drift in changes.Observed)
        {
            output.WriteLine($"apply: {drift} (left alone: {drift.Why})");
        }
        if (changes.IsEmpty)
        {
            output.WriteLine($"apply: nothing to change; the machines match the plan ({changes.Unchanged} units)");
            return ApplyOutcome.Of(plan, machines, changes, report: null);
        }
        output.WriteLine($"apply: {plan.SpecPath} on {machines} machines of {plan.Inventory!.DisplayPath} over SSH (switches: {plan.Target.Name()}) will change:");
        foreach (var change in changes.Changes) output.WriteLine(change.ToString());
        output.WriteLine($"plan: {changes.Summary}");
        if (!autoApprove && !Confirm(output))
        {
            output.WriteLine("apply: cancelled, nothing changed");
            return ApplyOutcome.Of(plan, machines, changes, report: null);
        }
        var report = await deployer.ApplyAsync(plan, target, changes, ct);
        return ApplyOutcome.Of(plan, machines, changes, report);
    }

    /// <summary>What a target needs on this machine beyond mininet: the frr target runs Debian's FRR.</summary>
    public static void RequireTargetSoftware(DeploymentPlan plan)
    {
        if (plan.Target == SwitchTarget.Frr && FrrCommands.MissingPrograms() is { Count: > 0 } missing)
        {
            throw new LbdeployException($"{plan.SpecPath} sets switches.target: frr, but FRR is not installed here ({string.Join(", ", missing)} missing); install it with apt-get install frr (tools/bootstrap.sh does), or set switches.target: linux");
        }
    }

    private static bool Confirm(TextWriter output)
    {
        if (Console.IsInputRedirected)
        {
            throw new LbdeployException("apply needs a confirmation but stdin is not a terminal; review the changes above and re-run with --auto-approve");
        }
        output.Write("Apply these changes? Only 'yes' applies: ");
        output.Flush();
        return Console.ReadLine()?.Trim() == "yes";
    }

    /// <summary>
    /// A saved plan is applied only while it is exactly what the spec plans now (files and contents), and only when
    /// it saw the network (the caller compares that record with the network once it has read it).
    /// </summary>
    private static PlannedNetwork CheckSavedPlan(DeploymentPlan plan, string planDir)
    {
        CheckSavedFiles(plan, planDir);
        var planned = PlannedNetwork.Read(planDir);
        if (planned.Network == PlannedNetwork.NotObserved)
        {
            throw new LbdeployException($"the plan in {TerminalText.Quote(planDir)} was made without root, so it did not see the network it would change; run lbdeploy plan --out {TerminalText.Quote(planDir)} as root, review it, then apply it");
        }
        return planned;
    }

    /// <summary>A saved plan's files are exactly what the spec plans now.</summary>
    private static void CheckSavedFiles(DeploymentPlan plan, string planDir)
    {
        if (!Directory.Exists(planDir))
        {
            throw new LbdeployException($"plan directory {TerminalText.Quote(planDir)} does not exist; write it with lbdeploy plan --out DIR");
        }
        if (File.Exists(Path.Combine(planDir, PlanWriter.WritingMarker)))
        {
            throw new LbdeployException($"the plan in {TerminalText.Quote(planDir)} is incomplete (a plan failed while writing it); run lbdeploy plan --out DIR again");
        }
        var stale = plan.Files
            .Where(f => !File.Exists(Path.Combine(planDir, f.Key)) || File.ReadAllText(Path.Combine(planDir, f.Key)) != f.Value)
            .Select(f => f.Key)
            .ToList();
        if (stale.Count > 0)
        {
            throw new LbdeployException($"the plan in {planDir} is out of date with {plan.SpecPath} ({stale.Count} file(s) differ, e.g. {stale[0]}); re-run lbdeploy plan --out {planDir}");
        }
    }
}
