using Lb.Engine.PacketIo;
using Lb.Engine.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace Lb.Engine.Tests.PacketIo;

/// <summary>
/// The link state machine the packet paths use to ride out a flap, with a fake clock and a fake link: down on a
/// socket error, waiting, back up (same socket or re-opened), gone for good only after the removal bound; health's
/// reason, the counters and one log line per event.
/// </summary>
public sealed class LinkMonitorTests
{
    private const int Index = 7;
    private static readonly LinkStatus Up = new(Index, true, true);
    private static readonly LinkLimits Limits = new() { ProbeInterval = TimeSpan.FromMilliseconds(150), RemovedTimeout = TimeSpan.FromSeconds(30), ErrorBurst = TimeSpan.FromSeconds(1) };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero));
    private readonly FakeProbe _probe = new() { Status = Up };
    private readonly StringWriter _logText = new();
    private readonly LinkMonitor _link;
    private readonly List<bool> _restored = [];

    public LinkMonitorTests()
    {
        _link = new LinkMonitor("h1-eth0", Index, _probe, _time, Limits, new EngineLog("mux", "h1", verbose: false, _logText));
        _link.Restored += reopened => _restored.Add(reopened);
    }

    private string[] LogLines => _logText.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void A_socket_error_on_a_down_link_marks_it_down_until_a_probe_finds_it_up_again()
    {
        _probe.Status = Up with { Up = false, Running = false };
        Assert.Equal(LinkAction.Wait, _link.OnError(linkWentDown: true, "the packet socket reported ENETDOWN", CancellationToken.None));
        Assert.True(_link.IsDown);
        Assert.Equal(1, _link.DownEvents);
        Assert.Equal("link h1-eth0 down since 2026-12-05T10:00:00.000Z (0.0 s)", _link.DownReason);

        _time.Advance(TimeSpan.FromMilliseconds(600));
        Assert.Equal(LinkAction.Wait, _link.Step());
        Assert.Equal("link h1-eth0 down since 2026-12-05T10:00:00.000Z (0.6 s)", _link.DownReason);
        _probe.Status = Up with { Running = false }; // admin up, no carrier yet: still down
        Assert.Equal(LinkAction.Wait, _link.Step());

        _time.Advance(TimeSpan.FromMilliseconds(400));
        _probe.Status = Up;
        Assert.Equal(LinkAction.Resume, _link.Step());
        Assert.False(_link.IsDown);
        Assert.Null(_link.DownReason);
        Assert.Equal(TimeSpan.FromSeconds(1), _link.DownTime);
        Assert.Equal([false], _restored);
        Assert.Equal(0, _link.Errors);
        // One line down, one line up.
        Assert.Collection(LogLines,
            line => Assert.Contains("warn: link h1-eth0 is administratively down (the packet socket reported ENETDOWN); reporting unhealthy", line),
            line => Assert.Contains("info: link h1-eth0 is up again after 1.000 s; resuming", line));
    }

    [Fact]
    public void Down_time_adds_up_over_flaps_and_counts_the_current_outage()
    {
        for (var flap = 0; flap < 3; flap++)
        {
            _probe.Status = Up with { Up = false };
            _link.OnError(linkWentDown: true, "ENETDOWN", CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(2));
            _probe.Status = Up;
            Assert.Equal(LinkAction.Resume, _link.Step());
            _time.Advance(TimeSpan.FromSeconds(10));
        }
        _probe.Status = Up with { Up = false };
        _link.OnError(linkWentDown: true, "ENETDOWN", CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(4, _link.DownEvents);
        Assert.Equal(TimeSpan.FromSeconds(7), _link.DownTime);
    }

    [Fact]
    public void A_removed_interface_is_waited_for_up_to_the_bound_then_given_up()
    {
        _probe.Status = LinkStatus.Gone;
        Assert.Equal(LinkAction.Wait, _link.OnError(linkWentDown: false, "the packet socket reported ENODEV", CancellationToken.None));
        Assert.StartsWith("link h1-eth0 removed since", _link.DownReason);
        _time.Advance(Limits.RemovedTimeout - TimeSpan.FromMilliseconds(1));
        Assert.Equal(LinkAction.Wait, _link.Step());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(LinkAction.GiveUp, _link.Step());
        Assert.Equal("interface h1-eth0 was removed and did not come back within 30 s", _link.GiveUpMessage);
    }

    [Fact]
    public void A_re_created_interface_takes_a_reopen_and_restarts_the_removal_clock()
    {
        _probe.Status = LinkStatus.Gone;
        _link.OnError(linkWentDown: false, "ENODEV", CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(LinkAction.Wait, _link.Step());
        _probe.Status = new LinkStatus(Index + 1, Up: false, Running: false); // back, not up yet
        Assert.Equal(LinkAction.Wait, _link.Step());
        _probe.Status = LinkStatus.Gone; // gone again: a new 30 s
        _time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(LinkAction.Wait, _link.Step());
        _probe.Status = new LinkStatus(Index + 1, true, true);
        Assert.Equal(LinkAction.Reopen, _link.Step());
        Assert.True(_link.IsDown); // until the socket is open again
        _link.Reopened(Index + 1);
        Assert.Equal(Index + 1, _link.IfIndex);
        Assert.False(_link.IsDown);
        Assert.Equal([true], _restored);
    }

    [Fact]
    public void Enetdown_on_a_link_already_back_is_one_flap_and_the_path_resumes()
    {
        Assert.Equal(LinkAction.Resume, _link.OnError(linkWentDown: true, "ENETDOWN", CancellationToken.None));
        Assert.Equal(1, _link.DownEvents);
        Assert.False(_link.IsDown);
        Assert.Equal([false], _restored);
    }

    [Fact]
    public async Task Errors_on_a_usable_link_are_counted_logged_once_per_burst_and_paused_when_repeated()
    {
        Assert.Equal(LinkAction.Resume, _link.OnError(linkWentDown: false, "the packet socket reported EIO", CancellationToken.None));
        Assert.False(_link.IsDown);
        // A repeat within the burst waits one probe interval (no spin) and is not logged again.
        using var started = new ManualResetEventSlim();
        var second = Task.Run(() =>
        {
            started.Set();
            return _link.OnError(linkWentDown: false, "the packet socket reported EIO", CancellationToken.None);
        });
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
        await Task.Delay(100);
        Assert.False(second.IsCompleted);
        // The wait starts its fake timer a moment after `started`: on a loaded machine that moment can come after an
        // advance, so advance again (three probe intervals stay well inside the 1 s burst) until the wait ends.
        for (var i = 0; i < 3 && !second.IsCompleted; i++)
        {
            _time.Advance(Limits.ProbeInterval);
            await Task.WhenAny(second, Task.Delay(TimeSpan.FromSeconds(2)));
        }
        Assert.Equal(LinkAction.Resume, await second.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(2, _link.Errors);
        Assert.Equal(0, _link.DownEvents);
        Assert.Single(LogLines);
        Assert.Contains("packet path on h1-eth0: the packet socket reported EIO, but the link is up; carrying on", LogLines[0]);
    }

    [Fact]
    public void A_failing_probe_never_marks_the_link_down()
    {
        _probe.Throws = true;
        Assert.True(_link.IdleCheck());
        Assert.Equal(LinkAction.Wait, _link.Step());
        Assert.False(_link.IsDown);
        Assert.Equal(2, _link.Errors);
        Assert.Single(LogLines); // logged once while it keeps failing
    }

    [Fact]
    public void The_idle_check_probes_at_most_once_per_interval_and_catches_a_lost_carrier()
    {
        Assert.True(_link.IdleCheck());
        Assert.True(_link.IdleCheck());
        Assert.Equal(1, _probe.Calls);
        _probe.Status = Up with { Running = false };
        Assert.True(_link.IdleCheck()); // not probed yet
        _time.Advance(Limits.ProbeInterval);
        Assert.False(_link.IdleCheck());
        Assert.Equal(2, _probe.Calls);
        Assert.True(_link.IsDown);
        Assert.Contains("link h1-eth0 is no carrier (seen while idle)", LogLines[0]);
    }

    [Fact]
    public async Task Waiting_probes_on_the_engine_clock_and_ends_on_stop()
    {
        _probe.Status = Up with { Up = false };
        _link.OnError(linkWentDown: true, "ENETDOWN", CancellationToken.None);
        using var stop = new CancellationTokenSource();
        var wait = Task.Run(() => _link.WaitForLink(stop.Token));
        for (var i = 0; i < 5; i++)
        {
            var calls = 3 + i;
            AdvanceUntil(() => _probe.Calls >= calls);
        }
        _probe.Status = Up;
        AdvanceUntil(() => wait.IsCompleted);
        Assert.Equal(LinkAction.Resume, await wait.WaitAsync(TimeSpan.FromSeconds(5)));

        _probe.Status = Up with { Up = false };
        _link.OnError(linkWentDown: true, "ENETDOWN", CancellationToken.None);
        var stopped = Task.Run(() => _link.WaitForLink(stop.Token));
        await stop.CancelAsync();
        Assert.Equal(LinkAction.Stopped, await stopped.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    /// <summary>
    /// Advances the fake clock one probe interval at a time until the condition holds: the waiting thread starts its
    /// timer a moment after its probe, and an advance that comes before that moment is lost (at most 20 s of fake time).
    /// </summary>
    private void AdvanceUntil(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
        {
            _time.Advance(Limits.ProbeInterval);
            SpinWait.SpinUntil(condition, TimeSpan.FromMilliseconds(50));
        }
        Assert.True(condition());
    }

    private sealed class FakeProbe : ILinkProbe
    {
        private int _calls;
        public volatile bool Throws;
        public LinkStatus Status { get; set; }
        public int Calls => Volatile.Read(ref _calls);

        public LinkStatus Probe(string interfaceName)
        {
            Interlocked.Increment(ref _calls);
            return Throws ? throw new IOException("no socket") : Status;
        }
    }
}
