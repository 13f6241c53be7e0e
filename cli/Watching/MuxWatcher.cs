using System.Collections.Immutable;
using System.Globalization;
using Lb.Core.Control;
using Lbdeploy.Rendering;
using Lbdeploy.Runner;
using Lbdeploy.Common;
using Lbdeploy.Nodes;

namespace Lbdeploy.Watching;

/// <summary>
/// Keeps the VIP's traffic on healthy muxes: every <see cref="WatchConfig.IntervalMilliseconds"/> it checks each mux
/// (its process, as apply recorded it, is alive AND its control socket answers `health`). Linux target: it keeps the
/// VIP route of every switch in front of the muxes pointing at the healthy ones only (`ip route replace` in the
/// switch node), the role BGP withdrawal plays elsewhere (the frr target has BGP: each mux host's own gate,
/// `lbengine gate`, withdraws it, and no watcher runs). A dead process counts at once; a silent socket after
/// <see cref="FailuresToDown"/> rounds; a mux is back after <see cref="SuccessesToUp"/> good rounds. Routes are
/// re-asserted whenever apply rewrites the state (a re-installed switch script restores the full set). bmv2 target: it
/// puts on each switch of <see cref="WatchConfig.Bmv2"/> the VIP entry the plan gives for the healthy muxes, over
/// thrift (<see cref="Bmv2VipWriter"/>); with no mux healthy it keeps the entries as they are.
/// Exits when the deployment or the network it watches is gone.
/// </summary>
public sealed class MuxWatcher(WatchConfig config, TextWriter log, RunnerEnvironment environment)
{
    /// <summary>Rounds a live mux's socket must stay silent before it is withdrawn: three (1.5 s at the default interval), so a
    /// stall of a second on a starved machine (GC, a CPU-bound testbed) moves no flows; a dead process counts at once.</summary>
    public const int FailuresToDown = 3;
    public const int SuccessesToUp = 2;

    private static readonly TimeSpan HealthTimeout = TimeSpan.FromMilliseconds(400);

    /// <summary>Most simple_switch_CLI runs at once (each is a Python process that loads the switch's JSON).</summary>
    private const int Bmv2CliRuns = 8;

    /// <summary>How long one bmv2 switch's change (two simple_switch_CLI runs, each loading the switch's JSON first) may take.</summary>
    internal TimeSpan Bmv2CliTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Between rounds the watcher looks this often for a mux process that died (a /proc read, no socket, no shell): a
    /// death starts the next round at once, so a killed engine is withdrawn without waiting out the interval.
    /// </summary>
    public static readonly TimeSpan LivenessInterval = TimeSpan.FromMilliseconds(100);

    private readonly Dictionary<string, MuxHealth> health = config.Muxes.ToDictionary(m => m.Host, _ => new MuxHealth(), StringComparer.Ordinal);
    private readonly Dictionary<string, ImmutableArray<WatchedNextHop>> installed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Bmv2VipVariant> entries = new(StringComparer.Ordinal);
    private readonly Bmv2VipWriter? bmv2Writer = config.Bmv2 is { } bmv2 ? new Bmv2VipWriter(new Bmv2Cli(environment.Bmv2CliProgram), bmv2.Prefix) : null;
    private bool allDownLogged;
    private readonly TimeProvider time = environment.Time;
    private DateTimeOffset? stateSavedAt;
    private DeployState? lastState;
    private long failovers;

    public async Task<int> RunAsync(CancellationToken ct)
    {
        Log($"watching muxes {string.Join(", ", config.Muxes.Select(m => m.Host))} every {config.IntervalMilliseconds} ms; {config.Acts}");
        var interval = TimeSpan.FromMilliseconds(config.IntervalMilliseconds);
        while (!ct.IsCancellationRequested)
        {
            var started = time.GetTimestamp();
            if (!await RoundAsync(ct)) return 0;
            try
            {
                for (var left = interval - time.GetElapsedTime(started); left > TimeSpan.Zero && !AnUpMuxDied(); left = interval - time.GetElapsedTime(started))
                {
                    await Task.Delay(left < LivenessInterval ? left : LivenessInterval, time, ct);
                }
            }
            catch (OperationCanceledException) { break; }
        }
        Log("stopped");
        return 0;
    }

    /// <summary>One round: check every mux, fix the VIP routes, write the status. False when there is nothing left to watch.</summary>
    internal async Task<bool> RoundAsync(CancellationToken ct)
    {
        var state = environment.State.Load();
        if (state is null)
        {
            Log("the deployment is gone (no applied.json): stopping");
            return false;
        }
        if (WatchedNodes().Any(node => !state.Network.TryGetValue(node, out var pid) || !environment.Processes.IsAlive(pid)))
        {
            Log("a watched node is gone (the network stopped): stopping");
            return false;
        }
        lastState = state;
        await CheckMuxesAsync(state, ct);
        // Every save of the state moves its stamp: apply may have re-installed a switch script (the full route).
        var reassert = state.UpdatedAt != stateSavedAt;
        stateSavedAt = state.UpdatedAt;
        var shell = environment.ShellFor(MininetNetwork.FromNodes(state.Network));
        await UpdateRoutesAsync(shell, reassert, ct);
        await UpdateBmv2EntriesAsync(reassert, ct);
        WriteStatus();
        return true;
    }

    /// <summary>
    /// The nodes whose end means the network stopped: the switches it routes in (linux), the mux hosts (bmv2: its
    /// switches are simple_switch processes, not nodes lbdeploy records).
    /// </summary>
    private IEnumerable<string> WatchedNodes() =>
        config.Switches.Select(s => s.Name)
            .Concat(config.Bmv2 is null ? [] : config.Muxes.Select(m => m.Host));

    /// <summary>A mux the last round found up whose process is gone since.</summary>
    private bool AnUpMuxDied()
    {
        if (lastState is null) return false;
        foreach (var mux in config.Muxes)
        {
            var h = health[mux.Host];
            bool up;
            lock (h) up = h.Up;
            var unit = lastState.Units.FirstOrDefault(u => u.Kind == UnitKind.Mux && u.Host == mux.Host);
            if (up && unit is not null && !unit.IsProcessAlive(environment.Processes)) return true;
        }
        return false;
    }

    private async Task CheckMuxesAsync(DeployState state, CancellationToken ct)
    {
        await Task.WhenAll(config.Muxes.Select(async mux =>
        {
            var unit = state.Units.FirstOrDefault(u => u.Kind == UnitKind.Mux && u.Host == mux.Host);
            string? problem;
            var certain = false;
            if (unit is null || !unit.IsProcessAlive(environment.Processes))
            {
                problem = unit is null ? "not in the deploy state" : $"process {unit.Pid} is gone";
                certain = true;
            }
            else
            {
                problem = await ProbeAsync(unit.ControlSocket ?? mux.ControlSocket, ct);
            }
            var h = health[mux.Host];
            lock (h)
            {
                if (problem is null)
                {
                    h.Failures = 0;
                    h.Successes++;
                    if (!h.Up && h.Successes >= SuccessesToUp)
                    {
                        h.Up = true;
                        Log($"mux {mux.Host} is healthy again (pid {unit!.Pid})");
                    }
                }
                else
                {
                    h.Successes = 0;
                    h.Failures++;
                    if (h.Up && (certain || h.Failures >= FailuresToDown))
                    {
                        h.Up = false;
                        Log($"mux {mux.Host} failed: {problem}");
                    }
                }
            }
        }));
    }

    private async Task<string?> ProbeAsync(string socket, CancellationToken ct)
    {
        try
        {
            await environment.Engines.HealthAsync(socket, HealthTimeout, ct);
            return null;
        }
        catch (ControlException e)
        {
            return e.Message;
        }
    }

    private async Task UpdateRoutesAsync(INodeShell shell, bool reassert, CancellationToken ct)
    {
        var up = health.Where(kv => kv.Value.Up).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var sw in config.Switches)
        {
            var desired = sw.Desired(up);
            var key = sw.Name + " " + sw.Prefix;
            if (!reassert && installed.TryGetValue(key, out var current) && current.SequenceEqual(desired)) continue;
            var result = await shell.RunAsync(sw.Name, sw.RouteCommand(desired), TimeSpan.FromSeconds(5), ct);
            if (!result.Succeeded)
            {
                Log($"{sw.Name}: `{result.Command}` failed: {result.StandardError.Trim()}");
                installed.Remove(key); // try again next round
                continue;
            }
            var changed = !installed.TryGetValue(key, out var before) || !before.SequenceEqual(desired);
            installed[key] = desired;
            if (changed)
            {
                if (desired.Length < sw.NextHops.Length) failovers++;
                Log($"{sw.Name}: {sw.Prefix} -> {string.Join(", ", desired.Select(h => h.Neighbor))}{(desired.Length < sw.NextHops.Length ? " (failed muxes withdrawn)" : "")}");
            }
        }
    }

    /// <summary>bmv2: each watched switch's VIP entry becomes the one planned for the healthy muxes.</summary>
    private async Task UpdateBmv2EntriesAsync(bool reassert, CancellationToken ct)
    {
        if (config.Bmv2 is not { } bmv2 || bmv2Writer is null) return;
        var up = health.Where(kv => kv.Value.Up).Select(kv => kv.Key).ToHashSet(StringComparer.Ordinal);
        if (up.Count == 0)
        {
            // An empty group would drop the VIP: keep the last set, which the muxes may come back to.
            if (!allDownLogged) Log($"every mux failed: the VIP entries on {string.Join(", ", bmv2.Switches.Select(s => s.Name))} stay as they are");
            allDownLogged = true;
            if (reassert) lock (entries) entries.Clear(); // apply re-installed them: write the next set in full
            return;
        }
        allDownLogged = false;
        // Nearest the live muxes first, a wave at a time: a switch changes only once the switches its new entry
        // leads to hold theirs. A wave that failed stops the later ones (they could loop through it); next round retries.
        var pending = new List<(Bmv2WatchedSwitch Switch, Bmv2VipVariant Variant)>();
        foreach (var sw in bmv2.Switches)
        {
            if (sw.VariantFor(up) is not { } variant) continue;
            if (!reassert && entries.TryGetValue(KeyOf(sw), out var current) && current.SameEntry(variant)) continue;
            pending.Add((sw, variant));
        }
        foreach (var wave in pending.GroupBy(p => p.Variant.Hops).OrderBy(g => g.Key))
        {
            using var slots = new SemaphoreSlim(Bmv2CliRuns);
            var written = await Task.WhenAll(wave.Select(async p =>
            {
                await slots.WaitAsync(ct);
                try { return await WriteEntryAsync(bmv2, p.Switch, p.Variant, ct); }
                finally { slots.Release(); }
            }));
            if (written.All(ok => ok)) continue;
            var later = pending.Where(p => p.Variant.Hops > wave.Key).Select(p => p.Switch.Name).ToList();
            if (later.Count > 0) Log($"not changing {string.Join(", ", later)} yet: a switch nearer the muxes did not take its entry");
            return;
        }
    }

    private string KeyOf(Bmv2WatchedSwitch sw) => sw.Name + " " + config.Bmv2!.Prefix;

    private async Task<bool> WriteEntryAsync(Bmv2Failover bmv2, Bmv2WatchedSwitch sw, Bmv2VipVariant variant, CancellationToken ct)
    {
        var key = KeyOf(sw);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Bmv2CliTimeout);
            await bmv2Writer!.WriteAsync(sw, variant, timeout.Token);
        }
        catch (Exception e) when (e is RunnerException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            Log(e is RunnerException ? e.Message : $"switch {sw.Name} (thrift port {sw.ThriftPort}): simple_switch_CLI did not finish within {Bmv2CliTimeout.TotalSeconds:0} s");
            lock (entries) entries.Remove(key); // try again next round
            return false;
        }
        lock (entries)
        {
            var changed = !entries.TryGetValue(key, out var before) || !before.SameEntry(variant);
            entries[key] = variant;
            if (!changed) return true;
            if (!variant.Planned) failovers++;
            Log($"{sw.Name}: {bmv2.Prefix} -> {string.Join(", ", variant.Neighbors)}{(variant.Planned ? "" : " (failed muxes withdrawn)")}");
        }
        return true;
    }

    private void WriteStatus()
    {
        var status = new WatchStatus(
            Environment.ProcessId,
            time.GetUtcNow(),
            health.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value.Up, StringComparer.Ordinal),
            installed.Select(kv => KeyValuePair.Create(kv.Key, kv.Value.Select(h => h.Neighbor).ToImmutableArray()))
                .Concat(entries.Select(kv => KeyValuePair.Create(kv.Key, kv.Value.Neighbors)))
                .ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            failovers);
        try
        {
            status.Save(environment.Paths);
        }
        catch (IOException)
        {
            // The deploy directory is being removed (destroy): the next round sees it and stops.
        }
    }

    private void Log(string message)
    {
        log.WriteLine($"{time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} lbdeploy watch: {message}");
        log.Flush();
    }

    private sealed class MuxHealth
    {
        public bool Up { get; set; } = true;
        public int Successes { get; set; }
        public int Failures { get; set; }
    }
}
