using Lbdeploy.Nodes;
using Lbdeploy.Rendering;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;
using Lbdeploy.Watching;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// The mux watcher on the frr target (examples/fattree-frr.yaml): it gates each mux host's BGP announcement of the
/// VIP with announce.sh on|off in that host, by its engine's health, and reports the announcing hosts in its status.
/// </summary>
public sealed class MuxWatcherAnnouncementTests : IDisposable
{
    private readonly FakeRunner rig = new(FakeRunner.FrrSpec);
    private readonly StringWriter log = new();
    private MuxWatcher watcher = null!;

    public void Dispose() => rig.Dispose();

    private string On(string host) => $"{host}: sh {Path.Combine(rig.Paths.Scripts, "runner", "announce.sh")} on 20.0.0.1/32";

    private string Off(string host) => $"{host}: sh {Path.Combine(rig.Paths.Scripts, "runner", "announce.sh")} off 20.0.0.1/32";

    private WatchStatus Status => WatchStatus.Load(rig.Paths)!;

    /// <summary>Applied, and the watcher's first round done (it turns every healthy mux's announcement on).</summary>
    private async Task WatchingAsync()
    {
        await rig.ApplyAsync();
        var config = WatchConfig.Load(rig.Paths.WatchConfigFile);
        Assert.Empty(config.Switches);
        watcher = new MuxWatcher(config, TextWriter.Synchronized(log), rig.Environment);
        Assert.Equal([On("h1"), On("h2")], (await RoundAsync()).Order());
    }

    /// <summary>One round; the commands it ran, "host: command".</summary>
    private async Task<List<string>> RoundAsync(bool expectRunning = true)
    {
        var before = rig.Shell.Calls.Count;
        Assert.Equal(expectRunning, await watcher.RoundAsync(CancellationToken.None));
        return [.. rig.Shell.Calls.Skip(before).Select(c => $"{c.Host}: {c.Command}")];
    }

    [Fact]
    public async Task Healthy_muxes_are_announced_once_and_quiet_rounds_send_nothing()
    {
        await WatchingAsync();

        Assert.Empty(await RoundAsync());
        Assert.Equal(["h1", "h2"], Status.Announcing!);
        Assert.Equal("announcing the VIP: h1, h2", Status.Actions);
        Assert.Empty(Status.Routes);
        Assert.Equal(0, Status.Failovers);
    }

    [Fact]
    public async Task A_mux_whose_process_died_has_its_announcement_withdrawn_at_once()
    {
        await WatchingAsync();
        rig.Processes.Kill(rig.Unit(UnitKind.Mux, "h1").Pid!.Value);

        Assert.Equal([Off("h1")], await RoundAsync());

        Assert.Equal(["h2"], Status.Announcing!);
        Assert.False(Status.Muxes["h1"]);
        Assert.Equal(1, Status.Failovers);
        Assert.Contains("h1: 20.0.0.1/32 withdrawn (engine failed)", log.ToString());
        Assert.Empty(await RoundAsync());
    }

    [Fact]
    public async Task A_silent_mux_is_withdrawn_after_FailuresToDown_rounds_and_announced_after_SuccessesToUp()
    {
        await WatchingAsync();
        var socket = rig.Socket("h2", "mux");

        rig.Engines.Silence(socket);
        for (var round = 1; round < MuxWatcher.FailuresToDown; round++) Assert.Empty(await RoundAsync());
        Assert.Equal(["h1", "h2"], Status.Announcing!);
        Assert.Equal([Off("h2")], await RoundAsync());
        Assert.Equal(["h1"], Status.Announcing!);
        Assert.Equal("announcing the VIP: h1", Status.Actions);

        rig.Engines.Silence(socket, on: false);
        for (var round = 1; round < MuxWatcher.SuccessesToUp; round++)
        {
            Assert.Empty(await RoundAsync());
            Assert.Equal(["h1"], Status.Announcing!);
        }
        Assert.Equal([On("h2")], await RoundAsync());
        Assert.Equal(["h1", "h2"], Status.Announcing!);
        Assert.Contains("h2: 20.0.0.1/32 announced", log.ToString());
    }

    [Fact]
    public async Task With_both_muxes_down_neither_is_announced()
    {
        await WatchingAsync();
        rig.Processes.Kill(rig.Unit(UnitKind.Mux, "h1").Pid!.Value);
        rig.Processes.Kill(rig.Unit(UnitKind.Mux, "h2").Pid!.Value);

        Assert.Equal([Off("h1"), Off("h2")], (await RoundAsync()).Order());

        Assert.Empty(Status.Announcing!);
        Assert.Equal("announcing the VIP: none", Status.Actions);
    }

    [Fact]
    public async Task A_gate_command_that_failed_is_not_reported_as_done_and_is_sent_again()
    {
        await WatchingAsync();
        rig.Processes.Kill(rig.Unit(UnitKind.Mux, "h1").Pid!.Value);
        rig.Shell.Fail("h1", "announce.sh", "RTNETLINK answers: Operation not permitted");

        Assert.Equal([Off("h1")], await RoundAsync());
        Assert.Contains("RTNETLINK answers: Operation not permitted", log.ToString());
        Assert.DoesNotContain("h1", Status.Announcing!); // neither on nor known to be off

        rig.Shell.Answer((host, command) => host == "h1" ? new ShellResult(host, command, 0, "", "") : null);
        Assert.Equal([Off("h1")], await RoundAsync());
        Assert.Empty(await RoundAsync());
    }

    [Fact]
    public async Task A_saved_state_makes_it_assert_every_announcement_again()
    {
        await WatchingAsync();
        rig.Processes.Kill(rig.Unit(UnitKind.Mux, "h2").Pid!.Value);
        Assert.Equal([Off("h2")], await RoundAsync());

        // apply saved the state (it may have restarted a mux host's FRR, which starts without the gate)
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        rig.Store.Save(rig.Store.Load()!);

        Assert.Equal([On("h1"), Off("h2")], (await RoundAsync()).Order());
        Assert.Empty(await RoundAsync());
    }

    [Fact]
    public async Task It_stops_when_a_mux_host_node_is_gone()
    {
        await WatchingAsync();
        rig.Processes.Kill(rig.NodePids["h2"]);

        Assert.Empty(await RoundAsync(expectRunning: false));
    }

    [Fact]
    public void The_frr_target_plans_a_gating_watcher_for_each_mux_host()
    {
        var config = System.Text.Json.JsonSerializer.Deserialize(rig.Plan.Files[PlanFiles.Watcher], WatchJsonContext.Default.WatchConfig)!;

        Assert.Equal([new WatchedAnnouncement("h1", "20.0.0.1/32"), new WatchedAnnouncement("h2", "20.0.0.1/32")], config.Announcements.ToArray());
        Assert.Empty(config.Switches);
        Assert.Equal(["h1", "h2"], config.Muxes.Select(m => m.Host));
    }
}
