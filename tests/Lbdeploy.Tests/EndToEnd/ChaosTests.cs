using Lbdeploy.Common;
using Lbdeploy.Runner;
using Xunit.Abstractions;
using Lbdeploy.Nodes;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// Issue 5, the chaos test: a steady load from every client (short GETs, each a new flow, and slow 1 MB downloads)
/// while, in turn, a server is killed and restarted (the agents' health checks take it out), a DIP is added, drained
/// and removed, and a mux is killed and restarted (the watcher withdraws it). Per phase: requests, failures (inside
/// and outside the 3 s detection window), long-lived connections and how many broke; printed and written to
/// /run/lbdeploy/chaos.json. Expected: no failure outside a detection window, no connection broken by a pool change
/// or a mux failure; only the killed server's own connections may break; the drained DIP accepts no new connection.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class ChaosTests(ITestOutputHelper log)
{
    private const string Pool = "dips: [h13, h14, h15, h16]";

    public static string ReportFile => Path.Combine(StateDirectories.Root, "chaos.json");

    [RootFact]
    public async Task Steady_load_survives_server_and_mux_failures_and_pool_changes()
    {
        var root = Path.Combine(CliRun.RepositoryRoot, "lb.yaml");
        string Spec(string dips) => CliRun.DeriveSpec(root, (Pool, "dips: " + dips));
        var three = Spec("[h13, h14, h15]");
        await using var service = await DeployedService.StartAsync(log, three);

        var schedule = new ChaosSchedule(service);
        var load = service.StartLoadAsync(seconds: 50, shortWorkers: 2, longWorkers: 1, longRate: 128 * 1024, rate: 8);
        DateTimeOffset Kill(UnitKind kind, string host) => ChaosSchedule.Kill(kind, host);

        await schedule.Phase("baseline", () => Task.FromResult<DateTimeOffset?>(null), 5);
        await schedule.Phase("server h14 killed", () => Task.FromResult<DateTimeOffset?>(Kill(UnitKind.Server, "h14")), 5);
        await schedule.Phase("server h14 restarted", async () => { await schedule.Apply(three); return null; }, 4);
        await schedule.Phase("dip h16 added", async () => { await schedule.Apply(Spec("[h13, h14, h15, h16]")); return null; }, 4);
        var drainApplied = DateTimeOffset.MaxValue;
        await schedule.Phase("dip h16 drained", async () =>
        {
            await schedule.Apply(Spec("[h13, h14, h15, { host: h16, weight: 0 }]"));
            drainApplied = DateTimeOffset.UtcNow;
            return null;
        }, 9);
        await schedule.Phase("dip h16 removed", async () => { await schedule.Apply(three); return null; }, 3);
        await schedule.Phase("mux h1 killed", () => Task.FromResult<DateTimeOffset?>(Kill(UnitKind.Mux, "h1")), 5);
        await schedule.Phase("mux h1 restarted", async () => { await schedule.Apply(three); return null; }, 4);
        var events = DeployedService.WithDips(await load);
        schedule.Tail();
        var phases = schedule.Phases;

        // The access log has whole seconds: count h16's accepts that surely fall between the drain and the removal,
        // apart from its agent's health probes (they come from the VIP itself).
        var removalStarted = schedule["dip h16 removed"].Start;
        var acceptedWhileDrained = DeployedService.ServedBy().SelectMany(s => s.Value.Select(a => (Src: s.Key, a.At, a.Dip)))
            .Where(a => a.Dip == "h16" && !a.Src.StartsWith(DeployedService.Vip + ":", StringComparison.Ordinal) && a.At >= drainApplied.AddSeconds(1) && a.At.AddSeconds(1) <= removalStarted).ToList();

        var rows = PhaseRow.Of(events, phases);
        var table = PhaseRow.Table(rows);
        log.WriteLine(table);
        PhaseRow.Save(ReportFile, rows);
        foreach (var e in events.Where(e => !e.Ok)) log.WriteLine("  failed: " + e);
        // Last, so that a truncated log still shows them.
        var unexplained = PhaseRow.Unexplained(events, phases);
        foreach (var e in unexplained) log.WriteLine("  failed outside a detection window: " + e);

        Assert.True(rows.Sum(r => r.Requests) > 1000, "the load generator barely ran:\n" + table);
        Assert.True(unexplained.Count == 0, "requests failed outside a 3 s detection window:\n" + table + string.Join('\n', unexplained));
        // Only the killed server's own connections may break; pool changes and the mux failure break none.
        Assert.All(events.Where(e => e.Broken), e => Assert.True(e.Dip == "h14" && phases[1].InWindow(e), $"broken: {e}\n{table}"));
        Assert.True(rows.Single(r => r.Phase == "mux h1 killed").LongLived > 0);
        Assert.True(acceptedWhileDrained.Count == 0, $"the drained DIP h16 accepted new connections: {string.Join(", ", acceptedWhileDrained.Select(a => $"{a.Src} at {a.At:HH:mm:ss}"))}");

        var verify = await service.RunAsync("verify", "-f", three);
        Assert.True(verify.ExitCode == 0, verify.All);
    }
}
