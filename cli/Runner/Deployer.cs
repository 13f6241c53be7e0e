using Lbdeploy.Planning;
using Lbdeploy.Spec;
using Lbdeploy.Nodes;
using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>
/// Makes the running network match a <see cref="DeploymentPlan"/> (apply) or removes everything apply put there
/// (destroy). Works unit by unit (<see cref="DeployUnit"/>) from the difference with the last applied state, phase by
/// phase (switch rules, VIPs, servers, agents, muxes), the units of one phase in parallel; the state is saved after
/// every phase so a failure half-way leaves an accurate record for the next apply or destroy.
/// </summary>
/// <param name="drift">Reads the live state of unchanged units (<see cref="DiffAsync"/>); by default through <paramref name="environment"/>.</param>
public sealed class Deployer(TextWriter output, RunnerEnvironment environment, DriftDetector? drift = null)
{
    private readonly DriftDetector driftDetector = drift ?? new DriftDetector(environment);

    private readonly Lock outputLock = new();
    private readonly WatcherProcess watcherProcess = new(environment);

    private IDeployStateStore Store => environment.State;

    /// <summary>
    /// The mininet nodes a plan runs commands in: every host of the fabric (verify's pingall covers hosts outside the
    /// spec's roles too) and, for linux and frr switches, the switches.
    /// </summary>
    public static IEnumerable<string> NodesOf(DeploymentPlan plan)
    {
        var nodes = plan.Muxes.Select(m => m.Host).Concat(plan.Dips.Select(d => d.Host)).Concat(plan.Clients).Concat(plan.Fabric.Hosts.Select(h => h.Name));
        if (plan.Target != SwitchTarget.Bmv2) nodes = nodes.Concat(plan.Switches.Select(s => s.Name));
        return nodes.Distinct(StringComparer.Ordinal);
    }

    /// <summary>What apply would change; the previous state counts only if it was applied to this same network or set of machines.</summary>
    public async Task<ChangeSet> PendingAsync(DeploymentPlan plan, IDeployTarget target, CancellationToken ct = default)
    {
        var state = Store.Load();
        var applied = state is not null && target.Matches(state) ? state.Units : null;
        var running = await target.RunningUnitsAsync(applied, ct);
        return ChangeSet.Compute(DeployUnit.FromPlan(plan), applied, u => running.Contains(u.Key));
    }

    /// <summary>What apply would change; the previous state counts only if it was applied to this same network.</summary>
    public ChangeSet Diff(DeploymentPlan plan, MininetNetwork network)
    {
        var state = Store.Load();
        var applied = state is not null && state.MatchesNetwork(network) ? state.Units : null;
        return ChangeSet.Compute(DeployUnit.FromPlan(plan), applied, u => u.IsProcessAlive(environment.Processes));
    }

    /// <summary>
    /// What apply would change, drift included: applied units whose hash is unchanged but whose live state differs
    /// from the plan (a route or the VIP deleted by hand) are repaired (<see cref="ChangeKind.Repair"/>). Read-only.
    /// </summary>
    public Task<ChangeSet> DiffAsync(DeploymentPlan plan, MininetNetwork network, CancellationToken ct = default) =>
        DiffAsync(plan, environment.TargetOf(network), ct);

    /// <summary>Like <see cref="DiffAsync(DeploymentPlan, MininetNetwork, CancellationToken)"/> on any target (the testbed or machines).</summary>
    public async Task<ChangeSet> DiffAsync(DeploymentPlan plan, IDeployTarget target, CancellationToken ct = default)
    {
        await target.ConnectAsync(NodesOf(plan), ct);
        var state = Store.Load();
        var applied = state is not null && target.Matches(state) ? state.Units : null;
        var desired = DeployUnit.FromPlan(plan);
        var running = await target.RunningUnitsAsync(applied, ct);
        var isAlive = (AppliedUnit u) => running.Contains(u.Key);
        var changes = ChangeSet.Compute(desired, applied, isAlive);
        if (applied is null) return changes;
        var touched = changes.Changes.Select(c => c.Label).ToHashSet(StringComparer.Ordinal);
        var unchanged = desired.Where(u => !touched.Contains(u.Label));
        var found = await driftDetector.DetectAsync(plan, target, unchanged, ct);
        return found.Count == 0 ? changes : ChangeSet.Compute(desired, applied, isAlive, found);
    }

    public Task<ApplyReport> ApplyAsync(DeploymentPlan plan, MininetNetwork network, ChangeSet changes, CancellationToken ct = default) =>
        ApplyAsync(plan, environment.TargetOf(network), changes, ct);

    /// <summary>Applies <paramref name="changes"/> through <paramref name="target"/>: the testbed's nodes, or the inventory's machines over SSH.</summary>
    public async Task<ApplyReport> ApplyAsync(DeploymentPlan plan, IDeployTarget target, ChangeSet changes, CancellationToken ct = default)
    {
        var started = environment.Time.GetTimestamp();
        var results = new List<UnitResult>();
        var shell = target.Shell;
        var previous = Store.Load();
        var sameNetwork = previous is not null && target.Matches(previous);
        var units = sameNetwork ? previous!.Units.ToDictionary(u => u.Key, StringComparer.Ordinal) : new Dictionary<string, AppliedUnit>(StringComparer.Ordinal);
        var state = target.Stamp(new DeployState
        {
            SpecPath = plan.SpecPath,
            Target = plan.Target.Name(),
            Network = target is TestbedTarget { Network: { } network } ? NodesOf(plan).ToDictionary(n => n, network.PidOf, StringComparer.Ordinal) : [],
            FabricFingerprint = NetworkLocator.Fingerprint(plan.Fabric),
            Units = [.. units.Values],
            Watcher = sameNetwork ? previous!.Watcher : null,
        });
        if (!sameNetwork && previous is not null)
        {
            // Applied to a network that is gone (its routes and addresses went with it) or to other machines: stop
            // what may have survived, where it runs.
            if (previous.Watcher is { } watcher) await watcherProcess.StopAsync(watcher);
            var where = environment.TargetOf(previous);
            foreach (var unit in previous.Units) await UnitOperations.StopAsync(unit, where, ct);
            Store.Delete();
        }
        if (state.Watcher is { } unwanted && !WatcherProcess.IsWanted(plan))
        {
            // A watcher this plan has none of (the frr target: each mux host gates itself) stops before any unit
            // changes, so it cannot act on them meanwhile.
            await watcherProcess.StopAsync(unwanted);
            state = state with { Watcher = null };
        }
        Directory.CreateDirectory(Store.Paths.LogDirectory);
        Directory.CreateDirectory(Store.Paths.PidDirectory);
        var ops = new UnitOperations(target, environment);
        void Save() { lock (units) { state = state with { Units = [.. units.Values.OrderBy(u => u.Kind).ThenBy(u => u.Host, Topology.NaturalOrder.Instance)] }; } Store.Save(state); }

        // 1. Redone (not reloaded) units are undone with their old files before those are overwritten. Not routers:
        // a changed FRR config is reloaded into the running daemons (step 3), which must still run for that.
        foreach (var change in changes.Changes.Where(c => c.Kind == ChangeKind.Update && !c.Desired!.IsEngine && c.Desired.Kind != UnitKind.Router))
        {
            await RemoveAsync(ops, change.Applied!, ct);
        }

        // 2. The plan's files become the applied plan (engines read their configs from there; machines get their
        // copies, and the engine, now). Files of removed units stay until step 4 has used them.
        WritePlanFiles(plan);
        await target.PublishAsync(plan, ct);

        // 3. Apply phase by phase.
        var listen = plan.Service.ServerPort;
        foreach (var phase in Enum.GetValues<UnitKind>())
        {
            var todo = changes.Changes.Where(c => c.Kind != ChangeKind.Remove && c.Desired!.Kind == phase).ToList();
            if (todo.Count == 0) continue;
            try
            {
                await Task.WhenAll(todo.Select(async change =>
                {
                    var unitStarted = environment.Time.GetTimestamp();
                    var unit = change.Desired!;
                    var applied = (unit.Kind, change.Kind) switch
                    {
                        (UnitKind.Switch, _) => await ops.InstallSwitchAsync(unit, ct),
                        (UnitKind.Vip, _) => await ops.InstallVipAsync(unit, ct),
                        (UnitKind.Server, _) => await RestartAsync(ops, change, () => ops.StartServerAsync(unit, plan.Service.Vip, listen, ct), ct),
                        (UnitKind.Agent or UnitKind.Mux, ChangeKind.Update) when !unit.RestartsFrom(change.Applied!) && await target.IsRunningAsync(change.Applied!, ct) => await ops.ReloadEngineAsync(unit, change.Applied!, ct),
                        (UnitKind.Router, ChangeKind.Update) when await target.IsRunningAsync(change.Applied!, ct) => await ops.ReloadRouterAsync(unit, change.Applied!, ct),
                        // A drifted FIB on the frr target: a fresh FRR re-learns and reinstalls every route.
                        (UnitKind.Router, _) => await RestartRouterAsync(ops, change, ct),
                        _ => await RestartAsync(ops, change, () => ops.StartEngineAsync(unit, ct), ct),
                    };
                    lock (units) units[applied.Key] = applied;
                    var seconds = environment.Time.GetElapsedTime(unitStarted).TotalSeconds;
                    lock (results) results.Add(Result(change, Done(change), seconds, applied.Pid));
                    Report(change, Done(change) + $" ({seconds:0.0} s{(applied.Pid is { } pid ? $", pid {pid}" : "")})");
                }));
            }
            finally
            {
                Save();
            }
        }
        // 4. Take off what the plan no longer has, last: the muxes were reloaded without a removed DIP and the switches
        // no longer route to a removed mux before its processes stop. Tear-downs are the applied plan's own files.
        foreach (var change in changes.Changes.Where(c => c.Kind == ChangeKind.Remove))
        {
            var unitStarted = environment.Time.GetTimestamp();
            await RemoveAsync(ops, change.Applied!, ct);
            results.Add(Result(change, "removed", environment.Time.GetElapsedTime(unitStarted).TotalSeconds, null));
            lock (units) units.Remove(change.Applied!.Key);
            Report(change, "removed");
        }
        Save();
        DeleteStalePlanFiles(plan);
        // 5. The mux watcher: started once, restarted when the muxes or VIP routes it watches change.
        state = state with { Watcher = await watcherProcess.EnsureAsync(plan, state, output, ct) };
        Store.Save(state);
        // 6. The frr target's routes come from BGP: done when every planned session is up and every switch's
        // kernel table holds exactly the plan's routes.
        if (plan.Bgp is not null) await WaitForBgpAsync(plan, shell, ct);
        var total = environment.Time.GetElapsedTime(started).TotalSeconds;
        Say($"apply: done in {total:0.0} s ({changes.Summary})");
        return new ApplyReport([.. results], Math.Round(total, 2), changes.Summary);
    }

    private static UnitResult Result(Change change, string what, double seconds, int? pid) =>
        new(change.Kind.ToString().ToLowerInvariant(), change.Label, what, Math.Round(seconds, 2), pid);

    /// <summary>How long apply waits for the frr target's sessions to come up.</summary>
    public static readonly TimeSpan BgpConvergenceTimeout = TimeSpan.FromSeconds(90);

    private async Task WaitForBgpAsync(DeploymentPlan plan, INodeShell shell, CancellationToken ct)
    {
        var started = environment.Time.GetTimestamp();
        BgpSessionReport? report = null;
        VerifyCheck? fib = null;
        var converged = await Wait.UntilAsync(async token =>
        {
            report = await BgpSessionReport.ReadAsync(plan, shell, token);
            if (!report.AllEstablished) return false;
            fib = await FibVerifier.CheckAsync(plan, shell, token);
            return fib.Passed;
        }, BgpConvergenceTimeout, TimeSpan.FromMilliseconds(250), environment.Time, ct);
        if (!converged)
        {
            var why = report is { AllEstablished: false } ? report.Describe() : fib?.Detail ?? "no answer";
            throw new RunnerException($"BGP did not converge within {BgpConvergenceTimeout.TotalSeconds:0} s: {why}; FRR logs in {Store.Paths.LogDirectory}");
        }
        Say($"  bgp: converged in {environment.Time.GetElapsedTime(started).TotalSeconds:0.0} s: {report!.Describe()}; {fib!.Detail}");
    }

    /// <summary>Removes everything the last apply recorded (engines, servers, VIPs, switch rules) and the state; null when nothing was applied.</summary>
    public async Task<DestroyReport?> DestroyAsync(CancellationToken ct = default)
    {
        var state = Store.Load();
        if (state is null)
        {
            return null;
        }
        // The watcher first: it must not put back a VIP route the switch tear-down is removing.
        if (state.Watcher is { } watcher) await watcherProcess.StopAsync(watcher);
        IDeployTarget target;
        if (state.Transport == Transports.Ssh)
        {
            // Machines outlive lbdeploy's runs: they are reached where the state recorded them.
            target = environment.TargetOf(state);
        }
        else if (state.LiveNetwork(environment.Processes) is { } network)
        {
            target = environment.TargetOf(network);
        }
        else
        {
            // The network it was applied to is gone (and with it every namespace, route and address): only
            // processes can have survived, and those are stopped by pid.
            foreach (var unit in state.Units)
            {
                await UnitOperations.StopAsync(unit, environment);
                UnitOperations.ForgetPoolHistory(unit);
            }
            foreach (var folder in state.Units.Select(u => u.RuntimeDirectory).OfType<string>().Where(Directory.Exists)) Directory.Delete(folder, recursive: true);
            Store.Delete();
            Say("destroy: the network it was applied to is gone; stopped leftover processes and cleared the state");
            return new DestroyReport([], NetworkGone: true);
        }
        var ops = new UnitOperations(target, environment);
        var errors = new List<string>();
        var removed = new List<string>();
        foreach (var group in state.Units.GroupBy(u => u.Kind).OrderByDescending(g => g.Key))
        {
            await Task.WhenAll(group.Select(async unit =>
            {
                try
                {
                    await RemoveAsync(ops, unit, ct);
                    // On machines the pool history lies in the sockets folder, which the clearing below removes.
                    if (target is TestbedTarget) UnitOperations.ForgetPoolHistory(unit);
                    lock (removed) removed.Add(unit.Label);
                    Say($"  - {unit.Label,-12} removed");
                }
                catch (RunnerException e)
                {
                    lock (errors) errors.Add(e.Message);
                }
            }));
        }
        // The state keeps exactly what is still there: the next destroy (once its machine is reachable) removes the
        // rest. Nodes with nothing left lose what apply and verify put there beside the units (a client machine holds
        // verify's scripts and no unit).
        var left = state.Units.Where(u => !removed.Contains(u.Label)).ToList();
        var nodes = (state.Machines?.Select(m => m.Node) ?? state.Units.Select(u => u.Host)).Distinct(StringComparer.Ordinal);
        string? notCleared = null;
        try
        {
            await target.ClearAsync([.. nodes.Where(h => !left.Any(u => u.Host == h))], ct);
        }
        catch (RunnerException e)
        {
            notCleared = e.Message;
        }
        if (errors.Count > 0 || notCleared is not null)
        {
            Store.Save(state with { Units = left, Watcher = null });
            throw new RunnerException(errors.Count > 0
                ? $"destroy: {errors.Count} unit(s) could not be removed (state kept in {Store.Paths.Directory}): {errors.Order(StringComparer.Ordinal).First()}"
                : $"destroy: every unit is removed, but not what lbdeploy put beside them (state kept in {Store.Paths.Directory}): {notCleared}");
        }
        Store.Delete();
        return new DestroyReport([.. removed], NetworkGone: false);
    }

    /// <summary>Apply with nothing to change still restarts a watcher that died (it is not a unit of the plan).</summary>
    public async Task EnsureWatcherAsync(DeploymentPlan plan, MininetNetwork network, CancellationToken ct)
    {
        var state = Store.Load();
        if (state is null || !state.MatchesNetwork(network) || state.Transport == Transports.Ssh) return;
        var watcher = await watcherProcess.EnsureAsync(plan, state, output, ct);
        if (watcher != state.Watcher) Store.Save(state with { Watcher = watcher });
    }

    private async Task RemoveAsync(UnitOperations ops, AppliedUnit unit, CancellationToken ct)
    {
        switch (unit.Kind)
        {
            case UnitKind.Switch: await ops.RemoveSwitchAsync(unit, ct); break;
            case UnitKind.Vip: await ops.RemoveVipAsync(unit, ct); break;
            case UnitKind.Router: await ops.StopRouterAsync(unit, ct); break;
            default: await ops.StopAsync(unit, ct); break;
        }
    }

    private static async Task<AppliedUnit> RestartRouterAsync(UnitOperations ops, Change change, CancellationToken ct)
    {
        if (change.Applied is { } old) await ops.StopRouterAsync(old, ct);
        return await ops.StartRouterAsync(change.Desired!, ct);
    }

    private static async Task<AppliedUnit> RestartAsync(UnitOperations ops, Change change, Func<Task<AppliedUnit>> start, CancellationToken ct)
    {
        if (change.Applied is { } old) await ops.StopAsync(old, ct);
        return await start();
    }

    private void WritePlanFiles(DeploymentPlan plan)
    {
        var root = Store.Paths.PlanDirectory;
        Directory.CreateDirectory(root);
        foreach (var (relative, content) in plan.Files)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (File.Exists(path) && File.ReadAllText(path) == content) continue;
            var temp = path + ".tmp";
            File.WriteAllText(temp, content);
            File.Move(temp, path, overwrite: true); // engines may re-read on reload: never a half-written file
        }
    }

    private void DeleteStalePlanFiles(DeploymentPlan plan)
    {
        var root = Store.Paths.PlanDirectory;
        var wanted = plan.Files.Keys.Select(k => Path.GetFullPath(Path.Combine(root, k))).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(f => !wanted.Contains(Path.GetFullPath(f))).ToList())
        {
            File.Delete(stale);
        }
    }

    private static string Done(Change change) => (change.Desired!.Kind, change.Kind) switch
    {
        (UnitKind.Switch, ChangeKind.Repair) => "rules installed again",
        (UnitKind.Vip, ChangeKind.Repair) => "VIP configured again",
        (UnitKind.Switch, _) => "rules installed",
        (UnitKind.Vip, _) => "VIP configured",
        (UnitKind.Server, _) => "serving",
        (UnitKind.Router, ChangeKind.Update) => "config reloaded",
        (UnitKind.Router, _) => "FRR running with its config",
        (_, ChangeKind.Update) when change.Desired.RestartsFrom(change.Applied!) => "restarted, answers on its control socket",
        (_, ChangeKind.Update) => "reloaded",
        _ => "running, answers on its control socket",
    };

    private void Report(Change change, string what) => Say($"  {change.Symbol} {change.Label,-12} {what}");

    private void Say(string line)
    {
        lock (outputLock) output.WriteLine(line);
    }
}
