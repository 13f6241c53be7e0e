using Lb.Engine.Gate;
using Lb.Engine.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace Lb.Engine.Tests.Gate;

/// <summary>
/// The announcement gate of a mux host (frr target): it keeps the VIP announced exactly while the mux answers healthy,
/// withdraws a gone or unhealthy engine in the round that finds it, a silent one after fall rounds, and announces a
/// withdrawn one again after rise healthy answers; a change the host refused is tried again.
/// </summary>
public sealed class AnnouncementGateTests
{
    private static readonly GateSettings Settings = GateSettings.Default;

    private readonly FakeTimeProvider _time = new();
    private readonly Probe _probe = new();
    private readonly Switch _switch = new();
    private readonly StringWriter _log = new();
    private readonly AnnouncementGate _gate;

    public AnnouncementGateTests() => _gate = new AnnouncementGate(Settings, _probe, _switch, new EngineLog("gate", "h1", false, _log), _time);

    private sealed class Probe : IMuxProbe
    {
        public MuxProbeResult Next { get; set; } = MuxProbeResult.Healthy;

        public Task<MuxProbeResult> ProbeAsync(CancellationToken cancellationToken) => Task.FromResult(Next);
    }

    private sealed class Switch : IAnnouncementSwitch
    {
        public List<bool> Writes { get; } = [];
        public string? Refuse { get; set; }

        public string Prefix => "20.0.0.1/32";

        public Task SetAsync(bool announce, CancellationToken cancellationToken)
        {
            Writes.Add(announce);
            return Refuse is { } why ? throw new GateException(why) : Task.CompletedTask;
        }
    }

    /// <summary>One round a gate interval after the last; the writes it made.</summary>
    private async Task<List<bool>> RoundAsync(MuxAnswer? answer = null)
    {
        if (answer is { } a) _probe.Next = a == MuxAnswer.Healthy ? MuxProbeResult.Healthy : new MuxProbeResult(a, $"the mux is {a}");
        var before = _switch.Writes.Count;
        await _gate.RoundAsync(CancellationToken.None);
        _time.Advance(Settings.Interval);
        return [.. _switch.Writes.Skip(before)];
    }

    [Fact]
    public async Task A_healthy_mux_is_announced_in_the_first_round_and_quiet_rounds_write_nothing()
    {
        Assert.Equal([true], await RoundAsync());
        Assert.True(_gate.Announced);
        for (var i = 0; i < 20; i++) Assert.Empty(await RoundAsync());
        Assert.Contains("20.0.0.1/32 announced: the mux answers healthy", _log.ToString());
    }

    [Fact]
    public async Task A_mux_that_is_not_there_at_start_is_not_announced()
    {
        Assert.Equal([false], await RoundAsync(MuxAnswer.Gone));
        Assert.False(_gate.Announced);
        Assert.Empty(await RoundAsync(MuxAnswer.Healthy));
        Assert.Equal([true], await RoundAsync(MuxAnswer.Healthy)); // rise: 2 healthy answers
    }

    [Theory]
    [InlineData(MuxAnswer.Gone)]
    [InlineData(MuxAnswer.Unhealthy)]
    public async Task A_gone_or_unhealthy_mux_is_withdrawn_in_the_round_that_finds_it(MuxAnswer answer)
    {
        await RoundAsync();

        Assert.Equal([false], await RoundAsync(answer));

        Assert.False(_gate.Announced);
        Assert.Contains($"20.0.0.1/32 withdrawn: the mux is {answer}", _log.ToString());
        Assert.Empty(await RoundAsync());
    }

    [Fact]
    public async Task A_silent_mux_is_withdrawn_after_fall_rounds_and_announced_after_rise()
    {
        await RoundAsync();

        for (var round = 1; round < Settings.Fall; round++) Assert.Empty(await RoundAsync(MuxAnswer.Silent));
        Assert.True(_gate.Announced);
        Assert.Equal([false], await RoundAsync(MuxAnswer.Silent));

        for (var round = 1; round < Settings.Rise; round++) Assert.Empty(await RoundAsync(MuxAnswer.Healthy));
        Assert.Equal([true], await RoundAsync(MuxAnswer.Healthy));
        Assert.True(_gate.Announced);
    }

    [Fact]
    public async Task A_healthy_answer_between_silent_ones_starts_the_count_again()
    {
        await RoundAsync();
        for (var i = 0; i < 10; i++)
        {
            for (var round = 1; round < Settings.Fall; round++) Assert.Empty(await RoundAsync(MuxAnswer.Silent));
            Assert.Empty(await RoundAsync(MuxAnswer.Healthy));
        }
        Assert.True(_gate.Announced);
    }

    [Fact]
    public async Task A_change_the_host_refused_is_tried_again_next_round()
    {
        await RoundAsync();
        _switch.Refuse = "RTNETLINK answers: Operation not permitted";

        Assert.Equal([false], await RoundAsync(MuxAnswer.Gone));
        Assert.Null(_gate.Announced);
        Assert.Contains("withdrawing 20.0.0.1/32 failed: RTNETLINK answers: Operation not permitted; trying again next round", _log.ToString());

        _switch.Refuse = null;
        Assert.Equal([false], await RoundAsync());
        Assert.False(_gate.Announced);
        Assert.Empty(await RoundAsync());
    }

    [Fact]
    public async Task A_refused_withdrawal_still_needs_rise_healthy_answers_to_announce_again()
    {
        await RoundAsync();
        _switch.Refuse = "RTNETLINK answers: Operation not permitted";
        Assert.Equal([false], await RoundAsync(MuxAnswer.Gone));
        _switch.Refuse = null;

        for (var round = 1; round < Settings.Rise; round++) Assert.Equal([false], await RoundAsync(MuxAnswer.Healthy));
        Assert.Equal([true], await RoundAsync(MuxAnswer.Healthy));
    }

    [Fact]
    public async Task A_round_that_throws_is_logged_and_the_loop_goes_on_until_stopped()
    {
        var probe = new ThrowingOnce();
        var gate = new AnnouncementGate(Settings, probe, _switch, new EngineLog("gate", "h1", false, _log), TimeProvider.System);
        using var stop = new CancellationTokenSource();

        var run = gate.RunAsync(stop.Token);
        for (var i = 0; i < 500 && gate.Rounds < 3; i++) await Task.Delay(10);
        await stop.CancelAsync();
        await run;

        Assert.True(gate.Rounds >= 3, $"{gate.Rounds} rounds in 5 s");
        Assert.Contains("gate round failed: the probe broke", _log.ToString());
        Assert.True(gate.Announced);
    }

    private sealed class ThrowingOnce : IMuxProbe
    {
        private int _calls;

        public Task<MuxProbeResult> ProbeAsync(CancellationToken cancellationToken) =>
            ++_calls == 1 ? throw new InvalidOperationException("the probe broke") : Task.FromResult(MuxProbeResult.Healthy);
    }

    [Fact]
    public async Task The_route_is_written_again_every_reassert_period()
    {
        await RoundAsync();
        var rounds = (int)(Settings.Reassert / Settings.Interval);

        var writes = new List<bool>();
        for (var i = 0; i < rounds; i++) writes.AddRange(await RoundAsync());

        Assert.Equal([true], writes);
        Assert.Equal(1, _log.ToString().Split('\n').Count(l => l.Contains("announced", StringComparison.Ordinal))); // written, not logged again
    }
}
