using Lbdeploy.Commands;
using Lbdeploy.Common;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// `lbdeploy drain DIP` / `undrain DIP` (issue 14) on the course deployment with fake control sockets: the verb goes
/// to every mux, bad input and a missing deployment are one-line errors, and `diff` reports a runtime drain as drift
/// apply does not undo, until lb.yaml says weight 0 or the DIP is undrained.
/// </summary>
public sealed class DipDrainerTests
{
    private static async Task<(int Code, string Output)> RunAsync(FakeRunner rig, string verb, string dip)
    {
        var output = new StringWriter();
        var code = await DrainCommand.RunAsync(dip, verb == "drain", output, rig.Environment, CancellationToken.None);
        return (code, output.ToString());
    }

    [Fact]
    public async Task Drain_sends_the_verb_to_every_mux_and_prints_one_line_each()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();

        var (code, output) = await RunAsync(rig, "drain", "h14");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal([$"drain h14 {rig.Socket("h1", "mux")}", $"drain h14 {rig.Socket("h2", "mux")}"],
            rig.Log.Entries.Where(e => e.StartsWith("drain ", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(["mux h1: h14 drained (no new flows; established flows kept)", "mux h2: h14 drained (no new flows; established flows kept)"],
            output.TrimEnd().Split('\n'));
        Assert.All(new[] { "h1", "h2" }, m => Assert.Equal(["h14"], rig.Engines.Drained(rig.Socket(m, "mux"))));
    }

    [Fact]
    public async Task An_unknown_DIP_is_refused_listing_the_DIPs_and_nothing_is_sent()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();

        var e = await Assert.ThrowsAsync<RunnerException>(() => RunAsync(rig, "drain", "h5"));

        Assert.Equal("drain: 'h5' is not a DIP of the applied plan (lb.yaml); its DIPs: h13, h14, h15, h16", e.Message.Replace(rig.SpecPath, "lb.yaml"));
        Assert.DoesNotContain(rig.Log.Entries, l => l.StartsWith("drain ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_name_that_is_no_host_name_is_refused_at_the_edge()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();

        var e = await Assert.ThrowsAsync<RunnerException>(() => RunAsync(rig, "undrain", "h14; reboot"));

        Assert.StartsWith("undrain: DIP name 'h14; reboot' is not valid: it holds ';' at position 4", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task With_nothing_applied_it_refuses()
    {
        using var rig = new FakeRunner();

        var e = await Assert.ThrowsAsync<RunnerException>(() => RunAsync(rig, "drain", "h14"));

        Assert.Equal($"drain: nothing is applied (no {rig.Paths.StateFile}); deploy with lbdeploy up or lbdeploy apply", e.Message);
    }

    [Fact]
    public async Task A_mux_that_does_not_answer_is_named_with_the_muxes_that_took_it()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        rig.Engines.Silence(rig.Socket("h2", "mux"));

        var e = await Assert.ThrowsAsync<RunnerException>(() => RunAsync(rig, "drain", "h14"));

        Assert.StartsWith("drain h14: mux h2 did not take it (no engine answers on ", e.Message);
        Assert.EndsWith("; mux h1 did, so the muxes disagree: run lbdeploy drain h14 again once every mux answers", e.Message);
    }

    [Fact]
    public async Task A_dead_mux_refuses_before_anything_is_sent()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        var pid = rig.Unit(UnitKind.Mux, "h2").Pid!.Value;
        rig.Processes.Kill(pid);

        var e = await Assert.ThrowsAsync<RunnerException>(() => RunAsync(rig, "drain", "h14"));

        Assert.Equal($"drain h14: mux h2 is not running (pid {pid}); nothing was sent; run lbdeploy apply to restart it, then drain again", e.Message);
        Assert.DoesNotContain(rig.Log.Entries, l => l.StartsWith("drain ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_runtime_drain_is_observed_drift_diff_exits_2_and_apply_keeps_it()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        await RunAsync(rig, "drain", "h14");

        var (code, output) = await rig.DiffAsync();

        Assert.Equal(ExitCodes.Pending, code);
        Assert.Contains("diff: apply of", output);
        Assert.Contains("would change nothing", output);
        Assert.Contains("  drift mux h1: DIP h14 drained at run time (lb.yaml: weight 1); lbdeploy undrain h14, or set weight: 0 in lb.yaml", output);
        Assert.Contains("  drift mux h2: DIP h14 drained at run time (lb.yaml: weight 1); lbdeploy undrain h14, or set weight: 0 in lb.yaml", output);
        Assert.Contains($"  ({DriftDetector.DrainNote})", output);
        Assert.DoesNotContain("BGP or the mux watcher", output);

        // apply changes nothing: no reload, no undrain, the drain stays.
        var calls = rig.Log.Entries.Count;
        var changes = await rig.ApplyWithDriftAsync();
        Assert.Empty(changes.Changes);
        Assert.Equal(2, changes.Observed.Length);
        Assert.All(changes.Observed, d => Assert.False(d.Repairable));
        Assert.DoesNotContain(rig.Log.Entries.Skip(calls), l => l.StartsWith("reload ", StringComparison.Ordinal) || l.StartsWith("undrain ", StringComparison.Ordinal));
        Assert.Equal(["h14"], rig.Engines.Drained(rig.Socket("h1", "mux")));
    }

    [Fact]
    public async Task Undrain_clears_the_drift()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        await RunAsync(rig, "drain", "h14");

        var (undrained, lines) = await RunAsync(rig, "undrain", "h14");
        var (code, output) = await rig.DiffAsync();

        Assert.Equal(ExitCodes.Success, undrained);
        Assert.Contains("mux h2: h14 undrained (gets new flows again)", lines);
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("diff: nothing to change", output);
    }

    [Fact]
    public async Task Weight_0_in_lb_yaml_makes_the_drain_agree_and_diff_clean_after_apply()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        await RunAsync(rig, "drain", "h14");
        var text = File.ReadAllText(rig.SpecPath);
        Assert.Contains("dips: [h13, h14, h15, h16]", text);
        var plan = rig.PlanOf(text.Replace("dips: [h13, h14, h15, h16]", "dips: [h13, { host: h14, weight: 0 }, h15, h16]"));

        var changes = await rig.ApplyWithDriftAsync(plan);
        // The muxes reload their config (h14 weight 0); the engine keeps a runtime drain across a reload.
        rig.Engines.Pool = [.. plan.Dips.Select(d => (d.Host, d.Weight))];
        var (code, output) = await rig.DiffAsync(plan);

        Assert.Contains(changes.Changes, c => c.Kind == ChangeKind.Update && c.Label == "mux h1");
        Assert.Equal(ExitCodes.Success, code);
        Assert.Contains("diff: nothing to change", output);
    }

    [Fact]
    public async Task A_mux_whose_control_socket_does_not_answer_is_observed_drift()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        rig.Engines.Silence(rig.Socket("h1", "mux"));

        var (code, output) = await rig.DiffAsync();

        Assert.Equal(ExitCodes.Pending, code);
        Assert.Contains("  drift mux h1: its DIPs' state is unreadable: no engine answers on ", output);
    }
}
