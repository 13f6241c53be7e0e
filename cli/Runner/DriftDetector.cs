using System.Collections.Immutable;
using System.Text.Json;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Planning;
using Lbdeploy.Spec;

namespace Lbdeploy.Runner;

/// <summary>
/// Reads the live state of applied units whose hash did not change and says where it drifted from the plan, read-only
/// and inside the nodes: a switch's kernel FIB against its planned routes (<see cref="FibDrift"/>, linux and frr
/// targets; on frr the routes are the router unit's, so drift there is the router's) and its ECMP hash settings
/// (<see cref="MultipathDrift"/>, the switch unit's on both), and the VIP on each DIP's
/// interface, as vip-up.sh installs it (`ip -j addr`), and DIPs a mux drained (`lbdeploy drain`) or weighted
/// (`lbdeploy weight`) at run time against lb.yaml (observed, not repaired: see <see cref="RuntimeChangesAsync"/>). Dead processes are not its business: the change set sees them
/// from the process table. The <see cref="Deployer"/> receives it, so `diff` shows and `apply` repairs the same drift.
/// State that cannot be read (a node that does not answer in time) is reported with <see cref="UnreadNote"/> and never
/// repaired: reinstalling a unit because one read timed out would change a network that may match the plan.
/// </summary>
public sealed class DriftDetector(RunnerEnvironment environment)
{
    /// <summary>How many nodes are read at once.</summary>
    public const int Parallelism = 8;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The command that lists an interface's IPv4 addresses (its one value quoted).</summary>
    public static string AddressCommand(string device) => $"ip -4 -j addr show dev {ShellQuoting.Quote(device)}";

    /// <summary>
    /// The drift of <paramref name="units"/> (the plan's units applied with the same hash), by unit key; units
    /// without drift are absent.
    /// </summary>
    public Task<IReadOnlyDictionary<string, ImmutableArray<Drift>>> DetectAsync(DeploymentPlan plan, MininetNetwork network, IEnumerable<DeployUnit> units, CancellationToken ct = default) =>
        DetectAsync(plan, environment.TargetOf(network), units, ct);

    /// <summary>Like <see cref="DetectAsync(DeploymentPlan, MininetNetwork, IEnumerable{DeployUnit}, CancellationToken)"/> on any target (the testbed or machines).</summary>
    public async Task<IReadOnlyDictionary<string, ImmutableArray<Drift>>> DetectAsync(DeploymentPlan plan, IDeployTarget target, IEnumerable<DeployUnit> units, CancellationToken ct = default)
    {
        var shell = target.Shell;
        var byKey = units.ToDictionary(u => u.Key, StringComparer.Ordinal);
        var reads = new List<Func<Task<(string Key, ImmutableArray<Drift> Drift)>>>();
        if (FibVerifier.AppliesTo(plan))
        {
            var watched = WatchedRoutes(plan);
            foreach (var planned in plan.Forwarding.Switches)
            {
                // linux: the switch script installs the routes; frr: BGP does, in the switch's router.
                var frr = plan.Target == SwitchTarget.Frr;
                var key = frr ? $"router:{planned.Switch.Name}" : $"switch:{planned.Switch.Name}";
                if (!byKey.TryGetValue(key, out var unit)) continue;
                var name = planned.Switch.Name;
                reads.Add(async () => (key, [.. (await FibAsync(planned, plan.Target, FibDrift.FabricPorts(plan, name), shell, ct)).Select(found => found.Unread
                    ? UnreadDrift(unit, name, found.What)
                    : new Drift(unit.Label, name, found.What)
                    {
                        Repairable = !frr && !watched.Any(w => w.Switch == name && found.What.StartsWith(w.Prefix + " ", StringComparison.Ordinal)),
                    })]));
            }
        }
        if (FibVerifier.AppliesTo(plan))
        {
            // Both targets' switch units set the kernel's ECMP hash (linux: the switch script; frr: its kernel script).
            foreach (var planned in plan.Forwarding.Switches)
            {
                var name = planned.Switch.Name;
                if (!byKey.TryGetValue($"switch:{name}", out var unit)) continue;
                reads.Add(async () => (unit.Key, [.. (await HashSettingsAsync(name, plan.FabricHashSeed, shell, ct)).Select(found => found.Unread ? UnreadDrift(unit, name, found.What) : new Drift(unit.Label, name, found.What))]));
            }
        }
        foreach (var dip in plan.Dips)
        {
            if (!byKey.TryGetValue($"vip:{dip.Host}", out var unit) || plan.Fabric.FindHost(dip.Host) is not { } host) continue;
            var device = host.Interface;
            reads.Add(async () => (unit.Key, [.. (await VipAsync(dip.Host, device, plan.Service.Vip.ToString(), shell, ct)).Select(found => found.Unread ? UnreadDrift(unit, dip.Host, found.What) : new Drift(unit.Label, dip.Host, found.What))]));
        }
        foreach (var mux in plan.Muxes)
        {
            if (!byKey.TryGetValue($"mux:{mux.Host}", out var unit) || mux.Engine.ControlSocket is not { } socket) continue;
            reads.Add(async () => (unit.Key, [.. (await RuntimeChangesAsync(plan, target.EnginesOn(mux.Host), socket, ct)).Select(d => new Drift(unit.Label, mux.Host, d.What) { Repairable = false, Note = d.Note })]));
        }

        using var gate = new SemaphoreSlim(Parallelism);
        var results = await Task.WhenAll(reads.Select(async read =>
        {
            await gate.WaitAsync(ct);
            try
            {
                return await read();
            }
            finally
            {
                gate.Release();
            }
        }));
        // A switch unit is read twice (its FIB and its hash settings on linux): one unit, all its drift.
        return results.Where(r => !r.Drift.IsEmpty).GroupBy(r => r.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.SelectMany(r => r.Drift).ToImmutableArray(), StringComparer.Ordinal);
    }

    /// <summary>The VIP routes the mux watcher narrows to the healthy muxes while it runs (linux target), by switch.</summary>
    private static IReadOnlyList<(string Switch, string Prefix)> WatchedRoutes(DeploymentPlan plan)
    {
        if (!plan.Files.TryGetValue(Rendering.PlanFiles.Watcher, out var json)) return [];
        var config = JsonSerializer.Deserialize(json, Rendering.WatchJsonContext.Default.WatchConfig);
        return config is null ? [] : [.. config.Switches.Select(s => (s.Name, s.Prefix))];
    }

    /// <summary>What one read found: a difference, or that the state could not be read (<see cref="UnreadNote"/>).</summary>
    private readonly record struct Finding(string What, bool Unread = false)
    {
        public static implicit operator Finding(string what) => new(what);
    }

    /// <summary>What `diff` and `apply` say of state they could not read: neither drift nor repaired.</summary>
    public const string UnreadNote = "lbdeploy could not read this state, so it neither calls it drift nor applies anything for it: a node that is slow or unreachable; run lbdeploy diff again, and lbdeploy verify names what is wrong";

    /// <summary>State that could not be read is not drift: apply must not reinstall a unit because one read timed out.</summary>
    private static Drift UnreadDrift(DeployUnit unit, string node, string what) => new(unit.Label, node, what) { Repairable = false, Note = UnreadNote };

    /// <summary>A switch's FIB differences, without the switch's name in front (the drift names the node); an unreadable table is one.</summary>
    private static async Task<IReadOnlyList<Finding>> FibAsync(Routing.SwitchForwarding planned, SwitchTarget target, IReadOnlySet<string>? fabricPorts, INodeShell shell, CancellationToken ct)
    {
        var name = planned.Switch.Name;
        var result = await RunAsync(shell, name, FibVerifier.Command, ct);
        if (result is not { Succeeded: true }) return [Unreadable(result, FibVerifier.Command)];
        if (!SwitchFib.TryParse(result.StandardOutput, out var table, out var error)) return [new Finding($"`{FibVerifier.Command}` gave an unreadable table: {error}", Unread: true)];
        var prefix = name + ": ";
        return [.. FibDrift.Compare(planned, table, target, fabricPorts).Select(d => (Finding)(d.StartsWith(prefix, StringComparison.Ordinal) ? d[prefix.Length..] : d))];
    }

    /// <summary>A switch's ECMP hash settings against the plan (<see cref="MultipathDrift"/>); unreadable settings are one difference.</summary>
    private static async Task<IReadOnlyList<Finding>> HashSettingsAsync(string name, uint fabricSeed, INodeShell shell, CancellationToken ct)
    {
        var result = await RunAsync(shell, name, MultipathDrift.Command, ct);
        return result is { Succeeded: true } ? [.. MultipathDrift.Compare(result.StandardOutput, fabricSeed, name).Select(d => (Finding)d)] : [Unreadable(result, MultipathDrift.Command)];
    }

    /// <summary>What `diff` says after a runtime drain (apply leaves an operator's drain alone).</summary>
    public const string DrainNote = "apply does not undo a drain made at run time with lbdeploy drain: undrain the DIP, or give it weight: 0 in lb.yaml and apply";

    /// <summary>What `diff` says after a runtime weight (apply leaves it alone, as it leaves a drain).</summary>
    public const string WeightNote = "apply does not undo a weight set at run time with lbdeploy weight: set it back to lb.yaml's weight, or give lb.yaml that weight and apply";

    /// <summary>
    /// DIPs a mux has drained at run time (`lbdeploy drain`: state drained with a non-zero weight) while lb.yaml gives
    /// them a weight, and DIPs whose runtime weight (`lbdeploy weight`: weight_override) differs from lb.yaml's; an
    /// unreadable mux is one difference (its DIPs' state is unknown). Observed, never repaired: apply keeps an
    /// operator's drain and weight (a reload keeps them too), until lb.yaml agrees or the operator ends them.
    /// </summary>
    private static async Task<IReadOnlyList<(string What, string? Note)>> RuntimeChangesAsync(DeploymentPlan plan, IEngineControl engines, string socket, CancellationToken ct)
    {
        IReadOnlyList<Lb.Core.Stats.DipStats> dips;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(CommandTimeout);
            dips = await engines.DipsAsync(socket, timeout.Token);
        }
        catch (Lb.Core.Control.ControlException e)
        {
            return [($"its DIPs' state is unreadable: {TerminalText.Escape(e.Message, 200)}", "a mux that runs but does not answer on its control socket: check its log, lbdeploy status shows it")];
        }
        var weights = plan.Dips.ToDictionary(d => d.Host, d => d.Weight, StringComparer.Ordinal);
        var drains = dips
            .Where(d => d.State == "drained" && d.Weight > 0 && weights.GetValueOrDefault(d.Name) > 0)
            .Select(d => ($"DIP {d.Name} drained at run time (lb.yaml: weight {weights[d.Name]}); lbdeploy undrain {d.Name}, or set weight: 0 in lb.yaml", (string?)DrainNote));
        var weighted = dips
            .Where(d => d.WeightOverride == true && weights.TryGetValue(d.Name, out var planned) && planned != d.Weight)
            .Select(d => ($"DIP {d.Name} weight {d.Weight} set at run time (lb.yaml: weight {weights[d.Name]}); lbdeploy weight {d.Name} {weights[d.Name]}, or set weight: {d.Weight} in lb.yaml", (string?)WeightNote));
        return [.. drains, .. weighted];
    }

    /// <summary>Whether <paramref name="vip"/>/32 is on the DIP's interface, as vip-up.sh puts it there.</summary>
    private static async Task<IReadOnlyList<Finding>> VipAsync(string host, string device, string vip, INodeShell shell, CancellationToken ct)
    {
        var command = AddressCommand(device);
        var result = await RunAsync(shell, host, command, ct);
        if (result is not { Succeeded: true }) return [Unreadable(result, command)];
        try
        {
            using var document = JsonDocument.Parse(result.StandardOutput);
            var present = document.RootElement.ValueKind == JsonValueKind.Array && document.RootElement.EnumerateArray()
                .Where(link => link.ValueKind == JsonValueKind.Object && link.TryGetProperty("addr_info", out var info) && info.ValueKind == JsonValueKind.Array)
                .SelectMany(link => link.GetProperty("addr_info").EnumerateArray())
                .Any(a => a.ValueKind == JsonValueKind.Object
                    && a.TryGetProperty("local", out var local) && local.ValueKind == JsonValueKind.String && local.GetString() == vip
                    && a.TryGetProperty("prefixlen", out var length) && length.ValueKind == JsonValueKind.Number && length.TryGetInt32(out var bits) && bits == 32);
            return present ? [] : [$"VIP {vip}/32 missing on {device}"];
        }
        catch (JsonException)
        {
            return [new Finding($"`{command}` gave no JSON", Unread: true)];
        }
    }

    private static async Task<ShellResult?> RunAsync(INodeShell shell, string node, string command, CancellationToken ct)
    {
        try
        {
            return await shell.RunReadAsync(node, command, CommandTimeout, ct);
        }
        catch (RunnerException)
        {
            return null;
        }
    }

    private static Finding Unreadable(ShellResult? result, string command) => new(
        result is null ? $"`{command}` could not run" : $"`{command}` exited {result.ExitCode}: {TerminalText.Escape(result.StandardError.Trim(), 200)}",
        Unread: true);
}
