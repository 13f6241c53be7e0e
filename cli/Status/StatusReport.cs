using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Serialization;
using Lb.Core.Control;
using Lb.Core.Stats;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;

namespace Lbdeploy.Status;

/// <summary>
/// What `lbdeploy status` shows: every engine apply started (role, host, pid, uptime, packet rates from two stats
/// samples, flows, non-zero drops) and every DIP as the muxes see it (health, weight, state, share of new flows),
/// all read from the control sockets. Members are what templates/status.txt.sbn and `--json` see.
/// </summary>
public sealed record StatusReport(
    string At,
    string Spec,
    double SampleSeconds,
    IReadOnlyList<EngineRow> Engines,
    IReadOnlyList<DipRow> Dips,
    string? Watcher,
    IReadOnlyList<RouterRow> Routers)
{
    /// <summary>
    /// The second chance is on somewhere (an agent or a mux reports its stats): the DIPs table gets the redirection
    /// columns and a line gives the muxes' marked packets and pool versions.
    /// </summary>
    [JsonIgnore] public bool SecondChance => Dips.Any(d => d.RedirectedOut is not null) || Engines.Any(e => e.SecondChanceMarked is not null);

    /// <summary>`mux h1 marked 120 (2 pool versions), mux h2 off`: the packets each mux sent with alternates and the tables it keeps.</summary>
    [JsonIgnore] public string SecondChanceMuxes => string.Join(", ", Engines.Where(e => e.Role == "mux").Select(e =>
        e.Error is not null ? $"mux {e.Host} no stats"
        : e.SecondChanceMarked is { } marked ? string.Create(CultureInfo.InvariantCulture, $"mux {e.Host} marked {marked} ({e.PoolVersions} pool version{(e.PoolVersions == 1 ? "" : "s")})")
        : $"mux {e.Host} off"));

    /// <summary>Reads every engine's stats twice, <paramref name="interval"/> apart (or against <paramref name="previous"/>).</summary>
    public static async Task<(StatusReport Report, Sample Sample)> CollectAsync(DeployState state, Sample? previous, TimeSpan interval, CancellationToken ct)
    {
        var engines = state.Units.Where(u => u.Kind is UnitKind.Mux or UnitKind.Agent)
            .OrderBy(u => u.Kind == UnitKind.Mux ? 0 : 1).ThenBy(u => u.Host, Topology.NaturalOrder.Instance).ToList();
        if (previous is null)
        {
            previous = await Sample.TakeAsync(engines, ct, state);
            await Task.Delay(interval, ct);
        }
        var now = await Sample.TakeAsync(engines, ct, state);
        var seconds = (now.Clock - previous.Clock).TotalSeconds;
        var rows = engines.Select(u => EngineRow.Of(u, previous.Stats.GetValueOrDefault(u.Key), now.Stats.GetValueOrDefault(u.Key), now.Errors.GetValueOrDefault(u.Key), seconds)).ToList();
        var muxStats = engines.Where(u => u.Kind == UnitKind.Mux).Select(u => now.Stats.GetValueOrDefault(u.Key)).OfType<EngineStats>().ToList();
        var agents = engines.Where(u => u.Kind == UnitKind.Agent).ToDictionary(u => u.Host, u => now.Stats.GetValueOrDefault(u.Key), StringComparer.Ordinal);
        var dips = DipRow.Of(muxStats, agents);
        var routers = await RouterRow.CollectAsync(state, ct);
        return (new StatusReport(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), state.SpecPath, Math.Round(seconds, 2), rows, dips, WatcherLine(state), routers), now);
    }

    private static string? WatcherLine(DeployState state)
    {
        if (state.Watcher is not { } watcher) return null;
        if (!watcher.IsAlive(ProcessTable.System)) return $"NOT RUNNING (pid {watcher.Pid}; log {watcher.LogFile}); run lbdeploy apply";
        var status = WatchStatus.Load(DeployPaths.Default);
        if (status is null) return $"pid {watcher.Pid}, no round finished yet";
        var muxes = string.Join(", ", status.Muxes.Select(m => $"{m.Key} {(m.Value ? "up" : "DOWN")}"));
        return $"pid {watcher.Pid}: {muxes}; {status.Actions}; {status.Failovers} failover(s)";
    }
}

/// <summary>Every engine's stats at one moment (or why it did not answer).</summary>
public sealed record Sample(DateTimeOffset Clock, Dictionary<string, EngineStats> Stats, Dictionary<string, string> Errors)
{
    /// <param name="state">The deployment: on machines (SSH) the engines are read there, else on this machine.</param>
    public static async Task<Sample> TakeAsync(IReadOnlyList<AppliedUnit> engines, CancellationToken ct, DeployState? state = null)
    {
        var machines = state is { Transport: Transports.Ssh } ? RunnerEnvironment.Default.TargetOf(state) : null;
        var stats = new Dictionary<string, EngineStats>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        var clock = Stopwatch.GetTimestamp();
        await Task.WhenAll(engines.Select(async u =>
        {
            string? error = null;
            EngineStats? s = null;
            try
            {
                var running = machines is null ? u.IsProcessAlive(ProcessTable.System) : await machines.IsRunningAsync(u, ct);
                if (!running || u.ControlSocket is null) error = $"not running (pid {u.Pid})";
                else
                {
                    try { s = machines is null ? await new ControlClient(u.ControlSocket, TimeSpan.FromSeconds(2)).GetStatsAsync(ct) : await machines.EnginesOn(u.Host).StatsAsync(u.ControlSocket, ct); }
                    catch (ControlException e) { error = e.Message; }
                }
            }
            catch (Lbdeploy.Remote.SshException e)
            {
                error = e.Message;
            }
            lock (stats)
            {
                if (s is not null) stats[u.Key] = s;
                else errors[u.Key] = error!;
            }
        }));
        return new Sample(DateTimeOffset.UtcNow, stats, errors);
    }
}

/// <summary>
/// One engine. <see cref="SecondChanceMarked"/> and <see cref="PoolVersions"/>: a mux with the second chance on, the
/// packets it sent with alternates and the retired tables it keeps (null otherwise).
/// </summary>
public sealed record EngineRow(string Role, string Host, int? Pid, double? UptimeSeconds, double? PacketsInPerSecond, double? PacketsOutPerSecond,
    long? Flows, IReadOnlyDictionary<string, long> Drops, string? Error, long? SecondChanceMarked = null, int? PoolVersions = null)
{
    [JsonIgnore] public string PidText => Pid?.ToString(CultureInfo.InvariantCulture) ?? "-";
    [JsonIgnore] public string Uptime => UptimeSeconds is { } s ? Duration(s) : "-";
    [JsonIgnore] public string PpsIn => Number(PacketsInPerSecond);
    [JsonIgnore] public string PpsOut => Number(PacketsOutPerSecond);
    [JsonIgnore] public string FlowsText => Number(Flows);
    [JsonIgnore] public string DropsText => Drops.Count == 0 ? "none" : string.Join(", ", Drops.OrderByDescending(d => d.Value).Select(d => $"{d.Key} {d.Value}"));

    public static EngineRow Of(AppliedUnit unit, EngineStats? before, EngineStats? now, string? error, double seconds)
    {
        var role = unit.Kind == UnitKind.Mux ? "mux" : "agent";
        if (now is null) return new EngineRow(role, unit.Host, unit.Pid, null, null, null, null, new Dictionary<string, long>(), error ?? "no stats");
        double? Rate(Func<EngineStats, long> counter) =>
            before is null || seconds <= 0 || counter(now) < counter(before) ? null : Math.Round((counter(now) - counter(before)) / seconds, 1);
        var drops = now.Drops.Where(d => d.Value > 0).ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal);
        // Mux: live flow-table entries. An agent keeps no flow table.
        long? flows = unit.Kind == UnitKind.Mux ? now.Connections : null;
        var secondChance = unit.Kind == UnitKind.Mux ? now.SecondChance : null;
        return new EngineRow(role, unit.Host, now.Pid, Math.Round(now.UptimeSeconds, 1), Rate(s => s.PacketsIn), Rate(s => s.PacketsOut), flows, drops, null,
            secondChance?.Marked, secondChance?.PoolVersions);
    }

    private static string Number(double? value) => value?.ToString("0", CultureInfo.InvariantCulture) ?? "-";

    private static string Duration(double seconds)
    {
        var t = TimeSpan.FromSeconds(seconds);
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{t.Minutes}m{t.Seconds:00}s" : $"{t.TotalSeconds:0}s";
    }
}

/// <summary>A DIP as the muxes see it. <see cref="Share"/>: its fraction of all new flows (null before any).</summary>
/// <see cref="WeightOverride"/>: the weight was set at run time (`lbdeploy weight`) and differs from the applied plan's
/// <see cref="ConfigWeight"/>. <see cref="RedirectedOut"/> / <see cref="RedirectedIn"/>: with the second chance on in
/// its agent, the packets the agent passed on to other DIPs / took from them (null when off or the agent is silent).
public sealed record DipRow(string Name, string Address, string? Health, bool? ServerHealthy, int Weight, string State, long Flows, double? Share, long ActiveFlows,
    int? ConfigWeight = null, bool WeightOverride = false, long? RedirectedOut = null, long? RedirectedIn = null)
{
    [JsonIgnore] public string RedirectedOutText => RedirectedOut?.ToString(CultureInfo.InvariantCulture) ?? "-";
    [JsonIgnore] public string RedirectedInText => RedirectedIn?.ToString(CultureInfo.InvariantCulture) ?? "-";
    [JsonIgnore] public string HealthText => (Health ?? "-") + (ServerHealthy == false ? " (server unhealthy)" : "");
    /// <summary>The weight, marked when set at run time: `3*` (the table's footnote names the plan's weight).</summary>
    [JsonIgnore] public string WeightText => WeightOverride ? $"{Weight.ToString(CultureInfo.InvariantCulture)}*" : Weight.ToString(CultureInfo.InvariantCulture);
    [JsonIgnore] public string ShareText => Share is { } s ? (100 * s).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-";

    /// <summary>A DIP row per DIP the muxes know: new flows summed over the muxes; health null without health checking.</summary>
    public static IReadOnlyList<DipRow> Of(IReadOnlyList<EngineStats> muxes, IReadOnlyDictionary<string, EngineStats?> agents)
    {
        var all = muxes.SelectMany(m => m.Dips ?? []).ToList();
        var total = all.Sum(d => d.Flows);
        return [.. all.GroupBy(d => d.Name).OrderBy(g => g.Key, Topology.NaturalOrder.Instance).Select(g =>
        {
            var healths = g.Select(d => d.Health).OfType<string>().Distinct().ToList();
            var flows = g.Sum(d => d.Flows);
            var agent = agents.GetValueOrDefault(g.Key);
            return new DipRow(g.Key, g.First().Address, healths.Count == 0 ? null : string.Join("/", healths), agent?.ServerHealthy,
                g.First().Weight, string.Join("/", g.Select(d => d.State).Distinct()), flows, total == 0 ? null : Math.Round((double)flows / total, 4), g.Sum(d => d.ActiveFlows),
                g.First().ConfigWeight, g.Any(d => d.WeightOverride == true), agent?.SecondChance?.RedirectedOut, agent?.SecondChance?.RedirectedIn);
        })];
    }
}
