using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Health;
using Lb.Engine.Health;
using Microsoft.Extensions.Time.Testing;

namespace Lb.Engine.Tests.Health;

public class DipHealthTrackerTests
{
    private static readonly Ipv4Address H13 = Ipv4Address.Parse("10.19.13.2");
    private static readonly Ipv4Address H14 = Ipv4Address.Parse("10.19.14.2");
    private static readonly HealthConfig Defaults = new();

    private readonly FakeTimeProvider _time = new();
    private readonly List<HealthChange> _changes = [];

    private DipHealthTracker Tracker() =>
        new(Defaults, [new DipConfig("h13", H13), new DipConfig("h14", H14)], _time);

    private HealthReportVerdict Report(DipHealthTracker tracker, Ipv4Address from, bool healthy, Ipv4Address? about = null, uint sequence = 0) =>
        tracker.Receive(from, new HealthReport(about ?? from, healthy, sequence).ToArray(), _changes);

    [Fact]
    public void Report_format_round_trips_and_rejects_anything_else()
    {
        var bytes = new HealthReport(H13, true, 0xDEADBEEF).ToArray();
        Assert.Equal("4C424852" + "01" + "01" + "0000" + "0A130D02" + "DEADBEEF", Convert.ToHexString(bytes));
        Assert.True(HealthReport.TryRead(bytes, out var report));
        Assert.Equal((H13, true, 0xDEADBEEFu), (report.Dip, report.Healthy, report.Sequence));

        Assert.False(HealthReport.TryRead(bytes[..15], out _));
        Assert.False(HealthReport.TryRead([.. bytes, 0], out _));
        foreach (var (index, value) in new[] { (0, (byte)'X'), (4, (byte)2), (5, (byte)2) })
        {
            var broken = (byte[])bytes.Clone();
            broken[index] = value;
            Assert.False(HealthReport.TryRead(broken, out _), $"byte {index} = {value} must be rejected");
        }
    }

    [Fact]
    public void Every_dip_starts_up_and_silence_takes_it_down_after_dead_after()
    {
        var tracker = Tracker();
        Assert.All(tracker.Snapshot(), s => Assert.True(s.Up));
        Assert.All(tracker.Snapshot(), s => Assert.Null(s.LastReportAge));

        // h13 reports every interval, h14 never does.
        for (var elapsed = 0; elapsed < 1500; elapsed += 100)
        {
            if (elapsed % 500 == 0) Report(tracker, H13, healthy: true);
            _time.Advance(TimeSpan.FromMilliseconds(100));
            tracker.CheckSilence(_changes);
        }
        Assert.Empty(_changes); // exactly dead_after of silence is still up
        _time.Advance(TimeSpan.FromMilliseconds(100));
        tracker.CheckSilence(_changes);

        var change = Assert.Single(_changes);
        Assert.Equal(("h14", false), (change.Name, change.Up));
        Assert.Contains("no report for 1600 ms", change.ToString());
        Assert.True(tracker.IsUp(H13));
        Assert.False(tracker.IsUp(H14));
        Assert.Equal([H14.Value], tracker.DownAddresses());
        Assert.Equal(TimeSpan.FromMilliseconds(600), tracker.Status(H13)!.LastReportAge); // last report at 1000 ms, now 1600 ms
    }

    [Fact]
    public void After_the_mux_could_not_hear_every_dip_gets_dead_after_again_and_keeps_its_state()
    {
        var tracker = Tracker();
        Report(tracker, H14, healthy: false); // h14 is down by its own report: not a matter of silence
        _changes.Clear();
        // The mux's link was down for longer than dead_after: nothing was heard, nothing was checked.
        _time.Advance(Defaults.DeadAfter + TimeSpan.FromSeconds(1));
        tracker.RestartSilence();
        _time.Advance(Defaults.DeadAfter);
        tracker.CheckSilence(_changes);
        Assert.Empty(_changes);
        Assert.Equal([true, false], tracker.Snapshot().OrderBy(s => s.Name).Select(s => s.Up));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        tracker.CheckSilence(_changes);
        Assert.Equal("h13", Assert.Single(_changes).Name); // still unheard dead_after after the link came back
    }

    [Fact]
    public void An_unhealthy_report_takes_a_dip_down_at_once_and_rise_healthy_reports_bring_it_back()
    {
        var tracker = Tracker();
        Assert.Equal(HealthReportVerdict.Accepted, Report(tracker, H13, healthy: false));
        Assert.Equal(("h13", false), (Assert.Single(_changes).Name, _changes[0].Up));
        _changes.Clear();

        Report(tracker, H13, healthy: true);
        Assert.Empty(_changes); // one healthy report is not enough (rise 2)
        Assert.False(tracker.IsUp(H13));
        Report(tracker, H13, healthy: false); // flapping resets the streak
        Report(tracker, H13, healthy: true);
        Assert.Empty(_changes);
        Report(tracker, H13, healthy: true);
        Assert.Equal(("h13", true), (Assert.Single(_changes).Name, _changes[0].Up));
        Assert.Equal(5, tracker.Accepted);
    }

    [Fact]
    public void Reports_from_unknown_sources_or_about_another_dip_are_rejected_and_change_nothing()
    {
        var tracker = Tracker();
        var stranger = Ipv4Address.Parse("10.5.3.2");
        Assert.Equal(HealthReportVerdict.Rejected, Report(tracker, stranger, healthy: false));
        Assert.Equal(HealthReportVerdict.Rejected, Report(tracker, stranger, healthy: false, about: H13));
        Assert.Equal(HealthReportVerdict.Rejected, Report(tracker, H14, healthy: false, about: H13)); // a DIP speaks only for itself
        Assert.Equal(HealthReportVerdict.Malformed, tracker.Receive(H13, "hello"u8, _changes));
        Assert.Empty(_changes);
        Assert.True(tracker.IsUp(H13));
        Assert.True(tracker.IsUp(H14));
        Assert.Equal((0, 3, 1), (tracker.Accepted, tracker.Rejected, tracker.Malformed));
        // Rejected datagrams do not count as a sign of life either.
        _time.Advance(TimeSpan.FromMilliseconds(1600));
        tracker.CheckSilence(_changes);
        Assert.Equal(2, _changes.Count);
    }

    [Fact]
    public void A_reload_keeps_the_state_of_remaining_dips_and_starts_new_ones_up()
    {
        var tracker = Tracker();
        Report(tracker, H13, healthy: false);
        var h15 = Ipv4Address.Parse("10.20.15.2");
        tracker.SetDips([new DipConfig("h13", H13), new DipConfig("h15", h15)]);
        Assert.False(tracker.IsUp(H13));
        Assert.True(tracker.IsUp(h15));
        Assert.Equal(HealthReportVerdict.Rejected, Report(tracker, H14, healthy: true)); // no longer a DIP
        Assert.Equal(["h13", "h15"], tracker.Snapshot().Select(s => s.Name).Order());
    }

    /// <summary>
    /// The agent's probe loop and the mux's tracker together on one fake clock (interval 500 ms, timeout 300 ms,
    /// rise 2, fall 2, dead_after 1.5 s): the bounds the design promises (out within 3 s, back within 3 s).
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(250)]
    [InlineData(499)]
    public void Server_death_and_recovery_are_seen_within_the_bounds(int phaseMs)
    {
        var tracker = Tracker();
        var agent = new RiseFall(Defaults.Rise, Defaults.Fall);
        var serverUp = true;
        var hostAlive = true;
        var nextProbe = (long)phaseMs;
        TimeSpan? wentDown = null, cameBack = null;
        var now = 0L;

        void Run(long untilMs)
        {
            for (; now < untilMs; now += 10)
            {
                if (hostAlive && now >= nextProbe)
                {
                    // A dead server refuses at once; model the worst case instead: the probe takes the whole timeout.
                    var passed = serverUp;
                    _time.Advance(TimeSpan.FromMilliseconds(passed ? 0 : Defaults.TimeoutMs));
                    now += passed ? 0 : Defaults.TimeoutMs;
                    agent.Observe(passed);
                    Report(tracker, H13, agent.Healthy);
                    Report(tracker, H14, healthy: true);
                    nextProbe += Defaults.IntervalMs;
                }
                else if (now >= nextProbe)
                {
                    Report(tracker, H14, healthy: true);
                    nextProbe += Defaults.IntervalMs;
                }
                _time.Advance(TimeSpan.FromMilliseconds(10));
                tracker.CheckSilence(_changes);
                foreach (var change in _changes.Where(c => c.Name == "h13"))
                {
                    if (!change.Up) wentDown ??= TimeSpan.FromMilliseconds(now);
                    else cameBack ??= TimeSpan.FromMilliseconds(now);
                }
                _changes.Clear();
            }
        }

        Run(5000);
        Assert.True(tracker.IsUp(H13));
        serverUp = false;
        Run(10_000);
        Assert.NotNull(wentDown);
        Assert.InRange(wentDown!.Value.TotalMilliseconds - 5000, 0, 3000);
        serverUp = true;
        Run(15_000);
        Assert.NotNull(cameBack);
        Assert.InRange(cameBack!.Value.TotalMilliseconds - 10_000, 0, 3000);
        Assert.True(tracker.IsUp(H14));

        // The whole host goes silent: no more reports at all.
        wentDown = null;
        hostAlive = false;
        var silentFrom = now;
        Run(20_000);
        Assert.NotNull(wentDown);
        Assert.InRange(wentDown!.Value.TotalMilliseconds - silentFrom, 0, 3000);
        Assert.True(tracker.IsUp(H14));
    }

    [Fact]
    public void Rise_fall_debounces_probe_results()
    {
        var state = new RiseFall(rise: 2, fall: 3);
        Assert.True(state.Healthy);
        Assert.False(state.Observe(false));
        Assert.False(state.Observe(false));
        Assert.False(state.Observe(true)); // streak broken
        Assert.False(state.Observe(false));
        Assert.False(state.Observe(false));
        Assert.True(state.Observe(false));
        Assert.False(state.Healthy);
        Assert.False(state.Observe(true));
        Assert.True(state.Observe(true));
        Assert.True(state.Healthy);
    }
}
