using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Planning;
using Lbdeploy.Testbed;

namespace Lbdeploy.Runner;

/// <summary>
/// What the live network looked like when `plan` wrote a plan folder (<see cref="FileName"/> beside plan.json): the
/// state folder, which network apply would act on, and the change set `diff` computes there. `apply DIR` computes
/// them again and refuses when they moved (terraform's "saved plan is stale"): a plan reviewed against one network
/// is not applied to another.
/// </summary>
/// <param name="StateRoot">The state folder the plan was made in.</param>
/// <param name="Network">The network apply would act on ("testbed of /run/lbdeploy, launcher pid 1234"), or "none (why)".</param>
/// <param name="Changes">The change set and drift lines `diff` prints for it, in order; empty without a network.</param>
public sealed record PlannedNetwork(string StateRoot, string Network, IReadOnlyList<string> Changes)
{
    public const string FileName = "network.json";

    /// <summary>What a plan made without root records: it could not look (the state folder and mnexec need root).</summary>
    public const string NotObserved = "not observed (plan ran without root)";

    public static PlannedNetwork None(string stateRoot, string why) => new(stateRoot, $"{NonePrefix}{why})", []);

    private const string NonePrefix = "none (";

    /// <summary>Whether a network was there to read (false: none ran, or the plan could not look).</summary>
    [JsonIgnore]
    public bool Seen => !Network.StartsWith(NonePrefix, StringComparison.Ordinal) && Network != NotObserved;

    public static PlannedNetwork Of(string stateRoot, string network, ChangeSet changes) =>
        new(stateRoot, network, [.. changes.Changes.Select(c => c.ToString().Trim()), .. changes.Observed.Select(d => $"drift {d}")]);

    /// <summary>Which network apply would act on, by the pids of its processes (a restarted testbed is another network).</summary>
    public static string Describe(MininetNetwork network, TestbedState testbed) =>
        testbed.IsRunning && testbed.LauncherPid is { } launcher
            ? $"the testbed of {StateDirectories.Root} (launcher pid {launcher})"
            : $"a p4run network of {network.Nodes.Count} nodes (shell pids #{Digest(network)})";

    /// <summary>How the network moved since the plan (<paramref name="now"/> against this), or null when it did not.</summary>
    public string? MovedTo(PlannedNetwork now)
    {
        if (StateRoot != now.StateRoot) return $"it was planned in state folder {StateRoot}, this is {now.StateRoot}";
        if (Network != now.Network) return $"the network was {Network} when planned, now it is {now.Network}";
        var gone = Changes.Except(now.Changes, StringComparer.Ordinal).ToList();
        var come = now.Changes.Except(Changes, StringComparer.Ordinal).ToList();
        if (gone.Count == 0 && come.Count == 0) return Changes.SequenceEqual(now.Changes, StringComparer.Ordinal) ? null : "the change set is the same but in another order";
        var what = new List<string>();
        if (come.Count > 0) what.Add($"apply would now also do `{come[0]}`{More(come.Count)}");
        if (gone.Count > 0) what.Add($"`{gone[0]}`{More(gone.Count)} is no longer pending");
        return string.Join("; ", what);

        static string More(int count) => count > 1 ? $" (and {count - 1} more)" : "";
    }

    public string ToJson() => JsonSerializer.Serialize(this, PlannedNetworkJson.Default.PlannedNetwork) + "\n";

    /// <summary>The record of a plan folder; a one-line error when it has none or it cannot be read.</summary>
    public static PlannedNetwork Read(string planDir)
    {
        var file = Path.Combine(planDir, FileName);
        var again = $"run lbdeploy plan --out {TerminalText.Quote(planDir)} again";
        if (!File.Exists(file)) throw new RunnerException($"the plan in {TerminalText.Quote(planDir)} has no {FileName} (what the network looked like when planning); {again}");
        try
        {
            return JsonSerializer.Deserialize(InputFiles.ReadText(file, InputLimits.MaxTopologyBytes, again), PlannedNetworkJson.Default.PlannedNetwork)
                ?? throw new JsonException("null");
        }
        catch (JsonException)
        {
            throw new RunnerException($"{TerminalText.Quote(file)} is not a network record lbdeploy wrote; {again}");
        }
    }

    /// <summary>
    /// What apply would act on now for <paramref name="plan"/> and what it would change there (the same reading as
    /// `diff`; read-only). No network, or none apply could use, is recorded with the reason.
    /// </summary>
    public static async Task<PlannedNetwork> ObserveAsync(DeploymentPlan plan, CancellationToken ct)
    {
        var root = StateDirectories.Root;
        if (plan.Inventory is not null) return await ObserveMachinesAsync(plan, ct);
        if (!Processes.IsRoot) return new PlannedNetwork(root, NotObserved, []);
        MininetNetwork network;
        try
        {
            network = await NetworkLocator.ForApplyAsync(plan, ct);
        }
        catch (LbdeployException e)
        {
            return None(root, e.Message);
        }
        try
        {
            var changes = await new Deployer(TextWriter.Null, RunnerEnvironment.Default).DiffAsync(plan, network, ct);
            return Of(root, Describe(network, TestbedState.Default), changes);
        }
        catch (LbdeployException e)
        {
            return None(root, $"{Describe(network, TestbedState.Default)} could not be read: {e.Message}");
        }
    }

    /// <summary>The machines the inventory names, read over SSH as `diff` reads them (no root needed here: SSH carries it).</summary>
    private static async Task<PlannedNetwork> ObserveMachinesAsync(DeploymentPlan plan, CancellationToken ct)
    {
        var root = StateDirectories.Root;
        var environment = RunnerEnvironment.Default;
        try
        {
            var target = NetworkLocator.ForMachines(plan, environment);
            var changes = await new Deployer(TextWriter.Null, environment).DiffAsync(plan, target, ct);
            return Of(root, DescribeMachines(plan), changes);
        }
        catch (LbdeployException e)
        {
            return None(root, $"{DescribeMachines(plan)} could not be read: {e.Message}");
        }
    }

    /// <summary>Which machines apply would act on: the inventory's, by its path.</summary>
    public static string DescribeMachines(DeploymentPlan plan) => $"the machines of {plan.Inventory!.DisplayPath}";

    private static string Digest(MininetNetwork network) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join(",", network.Nodes.OrderBy(n => n.Key, StringComparer.Ordinal).Select(n => $"{n.Key}={n.Value}")))))[..12];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true)]
[JsonSerializable(typeof(PlannedNetwork))]
internal sealed partial class PlannedNetworkJson : JsonSerializerContext;
