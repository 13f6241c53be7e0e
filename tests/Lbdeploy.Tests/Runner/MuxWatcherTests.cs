using Lbdeploy.Nodes;
using Lbdeploy.Rendering;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;
using Lbdeploy.Watching;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// The mux watcher's decisions on the course deployment (t1's VIP route over h1 and h2), with a fake clock, fake
/// engines and a fake switch shell: the exact `ip route replace` it sends each round.
/// </summary>
public sealed class MuxWatcherTests
{
    private const string BothMuxes = "ip route replace 20.0.0.1/32 nexthop via 10.13.1.2 dev t1-eth1 nexthop via 10.13.2.2 dev t1-eth2";
    private const string OnlyH2 = "ip route replace 20.0.0.1/32 via 10.13.2.2 dev t1-eth2";
    private const string OnlyH1 = "ip route replace 20.0.0.1/32 via 10.13.1.2 dev t1-eth1";

    private sealed class Watched : IDisposable
    {
        public Watched(FakeRunner rig)
        {
            Rig = rig;
            Watcher = new MuxWatcher(WatchConfig.Load(rig.Paths.WatchConfigFile), TextWriter.Synchronized(Log), rig.Environment);
        }

        public FakeRunner Rig { get; }
        public StringWriter Log { get; } = new();
        public MuxWatcher Watcher { get; }

        /// <summary>One round; returns the commands it ran in switches.</summary>
        public async Task<List<string>> RoundAsync(bool expectRunning = true)
        {
            var before = Rig.Shell.Calls.Count;
            Assert.Equal(expectRunning, await Watcher.RoundAsync(CancellationToken.None));
            return [.. Rig.Shell.Calls.Skip(before).Select(c => $"{c.Host}: {c.Command}")];
        }

        public WatchStatus Status => WatchStatus.Load(Rig.Paths)!;

        public void Dispose() => Rig.Dispose();
    }

    private static async Task<Watched> WatchedAsync()
    {
        var rig = new FakeRunner();
        await rig.ApplyAsync();
        var watched = new Watched(rig);
        Assert.Equal(["t1: " + BothMuxes], await watched.RoundAsync()); // the first round asserts the full route
        return watched;
    }

    [Fact]
    public async Task The_first_round_installs_the_full_route_and_quiet_rounds_send_nothing()
    {
        using var w = await WatchedAsync();

        Assert.Empty(await w.RoundAsync());
        Assert.Empty(await w.RoundAsync());

        Assert.Equal(new Dictionary<string, bool> { ["h1"] = true, ["h2"] = true }, w.Status.Muxes);
        Assert.Equal(["h1", "h2"], w.Status.Routes["t1 20.0.0.1/32"].ToArray());
        Assert.Equal(0, w.Status.Failovers);
    }

    [Fact]
    public async Task A_mux_whose_process_died_is_withdrawn_at_once()
    {
        using var w = await WatchedAsync();
        w.Rig.Processes.Kill(w.Rig.Unit(UnitKind.Mux, "h1").Pid!.Value);

        Assert.Equal(["t1: " + OnlyH2], await w.RoundAsync());

        Assert.False(w.Status.Muxes["h1"]);
        Assert.Contains($"mux h1 failed: process {w.Rig.Unit(UnitKind.Mux, "h1").Pid} is gone", w.Log.ToString());
        Assert.Equal(["h2"], w.Status.Routes["t1 20.0.0.1/32"].ToArray());
        Assert.Equal(1, w.Status.Failovers);
    }

    [Fact]
    public async Task A_silent_mux_is_withdrawn_after_FailuresToDown_rounds_and_back_after_SuccessesToUp()
    {
        using var w = await WatchedAsync();
        var socket = w.Rig.Socket("h2", "mux");

        w.Rig.Engines.Silence(socket);
        for (var round = 1; round < MuxWatcher.FailuresToDown; round++) Assert.Empty(await w.RoundAsync());
        Assert.Equal(["t1: " + OnlyH1], await w.RoundAsync());
        Assert.Empty(await w.RoundAsync());

        w.Rig.Engines.Silence(socket, on: false);
        for (var round = 1; round < MuxWatcher.SuccessesToUp; round++) Assert.Empty(await w.RoundAsync());
        Assert.Equal(["t1: " + BothMuxes], await w.RoundAsync());
        Assert.True(w.Status.Muxes["h2"]);
    }

    [Fact]
    public async Task With_every_mux_down_the_full_route_stays()
    {
        using var w = await WatchedAsync();
        w.Rig.Processes.Kill(w.Rig.Unit(UnitKind.Mux, "h1").Pid!.Value);
        Assert.Equal(["t1: " + OnlyH2], await w.RoundAsync());

        w.Rig.Processes.Kill(w.Rig.Unit(UnitKind.Mux, "h2").Pid!.Value);

        Assert.Equal(["t1: " + BothMuxes], await w.RoundAsync());
        Assert.Equal(new Dictionary<string, bool> { ["h1"] = false, ["h2"] = false }, w.Status.Muxes);
        Assert.Empty(await w.RoundAsync());
    }

    [Fact]
    public async Task A_saved_state_makes_it_assert_the_route_again()
    {
        using var w = await WatchedAsync();
        Assert.Empty(await w.RoundAsync());

        // apply saved the state (it may have re-installed t1's script, which holds the full route)
        w.Rig.Time.Advance(TimeSpan.FromSeconds(1));
        w.Rig.Store.Save(w.Rig.Store.Load()!);

        Assert.Equal(["t1: " + BothMuxes], await w.RoundAsync());
        Assert.Empty(await w.RoundAsync());
    }

    [Fact]
    public async Task A_route_command_that_failed_is_sent_again_next_round()
    {
        using var w = await WatchedAsync();
        w.Rig.Processes.Kill(w.Rig.Unit(UnitKind.Mux, "h1").Pid!.Value);
        w.Rig.Shell.Fail("t1", "ip route replace", "RTNETLINK answers: Network is unreachable");
        Assert.Equal(["t1: " + OnlyH2], await w.RoundAsync());

        w.Rig.Shell.Answer((host, command) => host == "t1" ? new ShellResult(host, command, 0, "", "") : null);

        Assert.Equal(["t1: " + OnlyH2], await w.RoundAsync());
        Assert.Empty(await w.RoundAsync());
    }

    [Fact]
    public async Task It_stops_when_the_deployment_is_gone()
    {
        using var w = await WatchedAsync();
        w.Rig.Store.Delete();

        Assert.Empty(await w.RoundAsync(expectRunning: false));
    }

    [Fact]
    public async Task It_stops_when_a_watched_switch_node_is_gone()
    {
        using var w = await WatchedAsync();
        w.Rig.Processes.Kill(w.Rig.NodePids["t1"]);

        Assert.Empty(await w.RoundAsync(expectRunning: false));
    }

    [Fact]
    public async Task Rounds_follow_the_interval_on_the_watchers_clock_until_the_deployment_is_gone()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var config = WatchConfig.Load(rig.Paths.WatchConfigFile);
        var interval = TimeSpan.FromMilliseconds(config.IntervalMilliseconds);
        var log = new StringWriter();
        int Rounds() => rig.Shell.Calls.Count(c => c.Host == "t1" && c.Command.StartsWith("ip route", StringComparison.Ordinal));
        async Task UntilAsync(Func<bool> condition)
        {
            for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
            Assert.True(condition());
        }

        var run = new MuxWatcher(config, TextWriter.Synchronized(log), rig.Environment).RunAsync(CancellationToken.None);
        await UntilAsync(() => Rounds() == 1);
        // The second round waits for the clock (its route changes, so it shows as a command): real time passing does nothing.
        rig.Processes.Kill(rig.Unit(UnitKind.Mux, "h1").Pid!.Value);
        await Task.Delay(interval + TimeSpan.FromMilliseconds(200));
        Assert.Equal(1, Rounds());
        rig.Time.Advance(interval);
        await UntilAsync(() => Rounds() == 2);

        rig.Store.Delete();
        await rig.Time.AdvanceUntilDoneAsync(run, interval);
        Assert.Equal(0, await run);
        Assert.Contains("lbdeploy watch: the deployment is gone (no applied.json): stopping", log.ToString());
        Assert.StartsWith("2025-06-01T12:00:00.000Z lbdeploy watch: watching muxes h1, h2 every 500 ms", log.ToString());
    }

    [Fact]
    public async Task A_mux_process_that_dies_between_rounds_starts_the_next_round_within_the_liveness_interval()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var config = WatchConfig.Load(rig.Paths.WatchConfigFile);
        Assert.True(MuxWatcher.LivenessInterval * 2 < TimeSpan.FromMilliseconds(config.IntervalMilliseconds), "the test needs rounds slower than the liveness look");
        var log = new StringWriter();
        int Rounds() => rig.Shell.Calls.Count(c => c.Host == "t1" && c.Command.StartsWith("ip route", StringComparison.Ordinal));
        async Task UntilAsync(Func<bool> condition)
        {
            for (var i = 0; i < 500 && !condition(); i++) await Task.Delay(10);
            Assert.True(condition());
        }
        using var stop = new CancellationTokenSource();
        var run = new MuxWatcher(config, TextWriter.Synchronized(log), rig.Environment).RunAsync(stop.Token);
        await UntilAsync(() => Rounds() == 1);

        rig.Processes.Kill(rig.Unit(UnitKind.Mux, "h1").Pid!.Value);
        for (var i = 0; i < 2; i++)
        {
            rig.Time.Advance(MuxWatcher.LivenessInterval);
            await Task.Delay(50);
        }
        await UntilAsync(() => Rounds() == 2);
        Assert.Contains("mux h1 failed: process", log.ToString());

        stop.Cancel();
        await run;
    }
}
