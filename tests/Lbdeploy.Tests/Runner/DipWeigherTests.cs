using Lbdeploy.Commands;
using Lbdeploy.Common;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Runner.Fakes;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// `lbdeploy weight DIP N` on the course deployment with fake control sockets: the weight goes to every mux, bad input
/// is a one-line refusal before anything is sent, and `diff` reports a runtime weight as drift apply does not undo,
/// until lb.yaml gives the same weight or the weight is set back (which clears it).
/// </summary>
public sealed class DipWeigherTests
{
    private static async Task<(int Code, string Output)> RunAsync(FakeRunner rig, string dip, string weight, bool json = false)
    {
        var output = new StringWriter();
        var code = await WeightCommand.RunAsync(dip, weight, json, output, rig.Environment, CancellationToken.None);
        return (code, output.ToString());
    }

    [Fact]
    public async Task Weight_goes_to_every_mux_and_says_what_each_holds()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();

        var (code, output) = await RunAsync(rig, "h14", "3");

        Assert.Equal(ExitCodes.Success, code);
        Assert.Equal([$"weight h14 3 {rig.Socket("h1", "mux")}", $"weight h14 3 {rig.Socket("h2", "mux")}"],
            rig.Log.Entries.Where(e => e.StartsWith("weight ", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal([
            "mux h1: h14 weight 3 at run time (applied plan: weight 1; lbdeploy weight h14 1 clears it)",
            "mux h2: h14 weight 3 at run time (applied plan: weight 1; lbdeploy weight h14 1 clears it)"], output.TrimEnd().Split('\n'));
        Assert.All(new[] { "h1", "h2" }, m => Assert.Equal(3, rig.Engines.Weights(rig.Socket(m, "mux"))["h14"]));
    }

    [Fact]
    public async Task Json_gives_each_muxs_answer()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();

        var (_, output) = await RunAsync(rig, "h14", "0", json: true);

        using var document = System.Text.Json.JsonDocument.Parse(output);
        Assert.True(document.RootElement.GetProperty("ok").GetBoolean());
        var first = document.RootElement.GetProperty("muxes")[0];
        Assert.Equal(("h1", 0, 1, true, "drained"), (first.GetProperty("mux").GetString(), first.GetProperty("weight").GetInt32(),
            first.GetProperty("config_weight").GetInt32(), first.GetProperty("weight_override").GetBoolean(), first.GetProperty("state").GetString()));
    }

    [Theory]
    [InlineData("h14", "abc", "weight: 'abc' is not a weight; use a whole number in 0..1000, as lb.yaml's dips[].weight (0: no new flows)")]
    [InlineData("h14", "1001", "weight: '1001' is not a weight; use a whole number in 0..1000, as lb.yaml's dips[].weight (0: no new flows)")]
    [InlineData("h14", "-1", "weight: '-1' is not a weight; use a whole number in 0..1000, as lb.yaml's dips[].weight (0: no new flows)")]
    [InlineData("h14", "2.5", "weight: '2.5' is not a weight; use a whole number in 0..1000, as lb.yaml's dips[].weight (0: no new flows)")]
    [InlineData("h14", "", "weight: '' is not a weight; use a whole number in 0..1000, as lb.yaml's dips[].weight (0: no new flows)")]
    [InlineData("h14", "3\n", "weight: '3\\n' is not a weight; use a whole number in 0..1000, as lb.yaml's dips[].weight (0: no new flows)")]
    [InlineData("h5", "3", "weight: 'h5' is not a DIP of the applied plan (lb.yaml); its DIPs: h13, h14, h15, h16")]
    [InlineData("h14;reboot", "3", "weight: DIP name 'h14;reboot' is not valid: it holds ';' at position 4")]
    public async Task Bad_input_is_one_line_and_nothing_is_sent(string dip, string weight, string message)
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();

        var e = await Assert.ThrowsAsync<RunnerException>(() => RunAsync(rig, dip, weight));

        Assert.StartsWith(message, e.Message.Replace(rig.SpecPath, "lb.yaml"));
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain(rig.Log.Entries, l => l.StartsWith("weight ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dead_mux_refuses_before_anything_is_sent_and_a_silent_one_is_named()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        rig.Engines.Silence(rig.Socket("h2", "mux"));

        var silent = await Assert.ThrowsAsync<RunnerException>(() => RunAsync(rig, "h14", "3"));
        Assert.StartsWith("weight h14 3: mux h2 did not take it (no engine answers on ", silent.Message);
        Assert.EndsWith("; mux h1 did, so the muxes disagree: run lbdeploy weight h14 3 again once every mux answers", silent.Message);

        var pid = rig.Unit(UnitKind.Mux, "h1").Pid!.Value;
        rig.Processes.Kill(pid);
        var calls = rig.Log.Entries.Count;
        var dead = await Assert.ThrowsAsync<RunnerException>(() => RunAsync(rig, "h14", "2"));
        Assert.Equal($"weight h14 2: mux h1 is not running (pid {pid}); nothing was sent; run lbdeploy apply to restart it, then weight again", dead.Message);
        Assert.Equal(calls, rig.Log.Entries.Count);
    }

    [Fact]
    public async Task A_runtime_weight_is_observed_drift_apply_keeps_it_and_setting_it_back_clears_it()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        await RunAsync(rig, "h14", "3");

        var (code, output) = await rig.DiffAsync();

        Assert.Equal(ExitCodes.Pending, code);
        Assert.Contains("  drift mux h1: DIP h14 weight 3 set at run time (lb.yaml: weight 1); lbdeploy weight h14 1, or set weight: 3 in lb.yaml", output);
        Assert.Contains("  drift mux h2: DIP h14 weight 3 set at run time (lb.yaml: weight 1); lbdeploy weight h14 1, or set weight: 3 in lb.yaml", output);
        Assert.Contains($"  ({DriftDetector.WeightNote})", output);

        var calls = rig.Log.Entries.Count;
        var changes = await rig.ApplyWithDriftAsync();
        Assert.Empty(changes.Changes);
        Assert.Equal(2, changes.Observed.Length);
        Assert.All(changes.Observed, d => Assert.False(d.Repairable));
        Assert.DoesNotContain(rig.Log.Entries.Skip(calls), l => l.StartsWith("reload ", StringComparison.Ordinal) || l.StartsWith("weight ", StringComparison.Ordinal));
        Assert.Equal(3, rig.Engines.Weights(rig.Socket("h1", "mux"))["h14"]);

        var (back, lines) = await RunAsync(rig, "h14", "1");
        Assert.Equal(ExitCodes.Success, back);
        Assert.Contains("mux h2: h14 weight 1 (the applied plan's weight; no runtime weight)", lines);
        var (clean, after) = await rig.DiffAsync();
        Assert.Equal(ExitCodes.Success, clean);
        Assert.Contains("diff: nothing to change", after);
    }

    [Fact]
    public async Task A_weight_and_a_drain_are_two_drifts_and_the_weight_alone_does_not_undrain()
    {
        using var rig = new FakeRunner();
        await rig.ApplyAsync();
        await DrainCommand.RunAsync("h14", true, new StringWriter(), rig.Environment, CancellationToken.None);

        var (_, lines) = await RunAsync(rig, "h14", "2");
        var (code, output) = await rig.DiffAsync();

        Assert.Contains("mux h1: h14 weight 2 at run time (applied plan: weight 1; lbdeploy weight h14 1 clears it); still drained: no new flows until lbdeploy undrain", lines);
        Assert.Equal(ExitCodes.Pending, code);
        Assert.Contains("drift mux h1: DIP h14 drained at run time", output);
        Assert.Contains("drift mux h1: DIP h14 weight 2 set at run time", output);
    }

    [Fact]
    public async Task With_nothing_applied_it_refuses()
    {
        using var rig = new FakeRunner();

        var e = await Assert.ThrowsAsync<RunnerException>(() => RunAsync(rig, "h14", "2"));

        Assert.Equal($"weight: nothing is applied (no {rig.Paths.StateFile}); deploy with lbdeploy up or lbdeploy apply", e.Message);
    }
}
