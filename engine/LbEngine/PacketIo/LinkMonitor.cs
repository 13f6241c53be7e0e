using System.Globalization;
using Lb.Engine.Runtime;

namespace Lb.Engine.PacketIo;

/// <summary>What the packet path does next about its link.</summary>
public enum LinkAction
{
    /// <summary>Keep waiting (the monitor sleeps between probes in <see cref="LinkMonitor.WaitForLink"/>).</summary>
    Wait,
    /// <summary>The link is usable on the same interface index: carry on with the same socket.</summary>
    Resume,
    /// <summary>The link is usable under a new index (re-created): open the socket again, then call <see cref="LinkMonitor.Reopened"/>.</summary>
    Reopen,
    /// <summary>The interface was removed and did not come back within <see cref="LinkLimits.RemovedTimeout"/>.</summary>
    GiveUp,
    /// <summary>The engine is stopping.</summary>
    Stopped,
}

/// <summary>
/// The state of the packet path's link, driven by its packet thread: an error on the socket (or an idle probe) that
/// finds the link not usable marks it down; the thread then waits, probing every <see cref="LinkLimits.ProbeInterval"/>,
/// until it is up and running again. Health reads <see cref="DownReason"/> (the mux watcher withdraws a mux whose link
/// is down) and the stats read the counters, from other threads. One log line per event; nothing here runs per packet.
/// </summary>
public sealed class LinkMonitor(string interfaceName, int ifIndex, ILinkProbe probe, TimeProvider time, LinkLimits limits, EngineLog log)
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _downSince;
    private DateTimeOffset? _goneSince;
    private TimeSpan _downTotal;
    private long _downEvents;
    private long _errors;
    private long _lastProbe = long.MinValue;
    private DateTimeOffset? _lastError;
    private bool _probeFailing;

    public string Interface { get; } = interfaceName;

    public LinkLimits Limits { get; } = limits;

    /// <summary>The index the path's socket is bound to.</summary>
    public int IfIndex { get; private set; } = ifIndex;

    /// <summary>Raised on the packet thread once the link is usable again (true: the socket was re-opened); keep it short.</summary>
    public event Action<bool>? Restored;

    public bool IsDown
    {
        get { lock (_lock) return _downSince is not null; }
    }

    /// <summary>Times the link went down since start.</summary>
    public long DownEvents => Interlocked.Read(ref _downEvents);

    /// <summary>Socket errors on a usable link, failed re-opens and packet-thread failures, since start.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Time spent down since start, the current outage included.</summary>
    public TimeSpan DownTime
    {
        get
        {
            lock (_lock) return _downTotal + (_downSince is { } since ? time.GetUtcNow() - since : TimeSpan.Zero);
        }
    }

    /// <summary>Why the engine is unhealthy because of its link, or null while the link is up.</summary>
    public string? DownReason
    {
        get
        {
            lock (_lock)
            {
                if (_downSince is not { } since) return null;
                var state = _goneSince is not null ? "removed" : "down";
                return string.Create(CultureInfo.InvariantCulture,
                    $"link {Interface} {state} since {since.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffZ} ({(time.GetUtcNow() - since).TotalSeconds:0.0} s)");
            }
        }
    }

    /// <summary>
    /// Called by an idle packet loop: whether the link is still usable, probed at most every probe interval (a lost
    /// carrier reports no socket error). False marks it down; the caller then waits with <see cref="WaitForLink"/>.
    /// </summary>
    public bool IdleCheck()
    {
        var now = time.GetTimestamp();
        if (_lastProbe != long.MinValue && time.GetElapsedTime(_lastProbe, now) < Limits.ProbeInterval) return true;
        _lastProbe = now;
        var status = SafeProbe();
        if (status is not { } s || (s.Usable && s.IfIndex == IfIndex)) return true;
        MarkDown(s, "seen while idle");
        return false;
    }

    /// <summary>
    /// The socket reported an error (<paramref name="what"/>, e.g. SO_ERROR's message). If the link is down the
    /// monitor marks it so and returns <see cref="LinkAction.Wait"/>. ENETDOWN on a link that is already back is a
    /// flap shorter than a probe: counted as one, and the path resumes. Any other error on a usable link is counted
    /// (logged once per burst; a repeated one pauses a probe interval, so a persistent error cannot spin).
    /// </summary>
    public LinkAction OnError(bool linkWentDown, string what, CancellationToken stop)
    {
        var status = SafeProbe();
        if (status is { } s && !(s.Usable && s.IfIndex == IfIndex))
        {
            MarkDown(s, what);
            return LinkAction.Wait;
        }
        if (status is { } back && linkWentDown)
        {
            MarkDown(back with { Up = false }, what);
            MarkUp(reopened: false);
            return LinkAction.Resume;
        }
        return CountError($"{what}, but the link is up; carrying on", stop) ? LinkAction.Resume : LinkAction.Stopped;
    }

    /// <summary>
    /// An unexpected failure of the packet path that is not about the link (a bug, a refused re-open): counted,
    /// logged once per burst, and followed by a pause when it repeats. False when stopping.
    /// </summary>
    public bool CountError(string what, CancellationToken stop)
    {
        Interlocked.Increment(ref _errors);
        var now = time.GetUtcNow();
        var repeated = _lastError is { } last && now - last < Limits.ErrorBurst;
        _lastError = now;
        if (!repeated)
        {
            log.Warn($"packet path on {Interface}: {what}");
            return !stop.IsCancellationRequested;
        }
        return Sleep(stop);
    }

    /// <summary>One probe of a down link: what to do now.</summary>
    public LinkAction Step()
    {
        var status = SafeProbe();
        if (status is not { } s) return LinkAction.Wait;
        var now = time.GetUtcNow();
        if (!s.Present)
        {
            lock (_lock)
            {
                if (_goneSince is null)
                {
                    _goneSince = now;
                    log.Warn($"interface {Interface} was removed; waiting up to {Limits.RemovedTimeout.TotalSeconds:0} s for it to come back");
                }
                return now - _goneSince.Value >= Limits.RemovedTimeout ? LinkAction.GiveUp : LinkAction.Wait;
            }
        }
        lock (_lock) _goneSince = null;
        if (!s.Usable) return LinkAction.Wait;
        if (s.IfIndex != IfIndex) return LinkAction.Reopen;
        MarkUp(reopened: false);
        return LinkAction.Resume;
    }

    /// <summary>Probes until the link is usable (<see cref="LinkAction.Resume"/> or <see cref="LinkAction.Reopen"/>), given up on, or stopped.</summary>
    public LinkAction WaitForLink(CancellationToken stop)
    {
        while (true)
        {
            if (stop.IsCancellationRequested) return LinkAction.Stopped;
            var action = Step();
            if (action != LinkAction.Wait) return action;
            if (!Sleep(stop)) return LinkAction.Stopped;
        }
    }

    /// <summary>The path opened its socket again on the re-created interface: the link is up.</summary>
    public void Reopened(int newIndex)
    {
        IfIndex = newIndex;
        MarkUp(reopened: true);
    }

    /// <summary>Why the engine gives up (after <see cref="LinkAction.GiveUp"/>).</summary>
    /// <summary>
    /// After a run of a packet loop ended in <paramref name="action"/>: waits out a link that is down and reopens the
    /// socket on a re-created interface (<paramref name="reopen"/>) until the loop may resume. Null to run the loop
    /// again; otherwise the loop ends, with <see cref="GiveUpMessage"/> when the interface is gone for good, or empty
    /// when it was asked to stop.
    /// </summary>
    public string? Settle(LinkAction action, Func<CancellationToken, LinkAction> reopen, CancellationToken stop)
    {
        if (action == LinkAction.Wait) action = WaitForLink(stop);
        while (action == LinkAction.Reopen)
        {
            action = reopen(stop);
            if (action == LinkAction.Wait) action = WaitForLink(stop);
        }
        return action switch
        {
            LinkAction.GiveUp => GiveUpMessage,
            LinkAction.Stopped => "",
            _ => null,
        };
    }

    public string GiveUpMessage =>
        $"interface {Interface} was removed and did not come back within {Limits.RemovedTimeout.TotalSeconds:0} s";

    private void MarkDown(LinkStatus status, string what)
    {
        lock (_lock)
        {
            if (_downSince is not null) return;
            _downSince = time.GetUtcNow();
            if (!status.Present) _goneSince = _downSince;
        }
        Interlocked.Increment(ref _downEvents);
        log.Warn($"link {Interface} is {status.Describe()} ({what}); reporting unhealthy and waiting " +
                 (status.Present ? "for it to come back" : $"up to {Limits.RemovedTimeout.TotalSeconds:0} s for it to come back"));
    }

    private void MarkUp(bool reopened)
    {
        TimeSpan outage;
        lock (_lock)
        {
            if (_downSince is not { } since) return;
            outage = time.GetUtcNow() - since;
            _downTotal += outage;
            _downSince = null;
            _goneSince = null;
        }
        log.Info(string.Create(CultureInfo.InvariantCulture,
            $"link {Interface} is up again after {outage.TotalSeconds:0.000} s{(reopened ? " (re-created: socket re-opened)" : "")}; resuming"));
        Restored?.Invoke(reopened);
    }

    /// <summary>The probe's answer, or null (counted) if asking failed: an unknown state never marks the link down.</summary>
    private LinkStatus? SafeProbe()
    {
        try
        {
            var status = probe.Probe(Interface);
            _probeFailing = false;
            return status;
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
            Interlocked.Increment(ref _errors);
            if (!_probeFailing) log.Warn($"cannot read the state of {Interface}: {e.Message}");
            _probeFailing = true;
            return null;
        }
    }

    /// <summary>One probe interval on the engine's clock; false when stopping.</summary>
    public bool Sleep(CancellationToken stop)
    {
        try
        {
            Task.Delay(Limits.ProbeInterval, time, stop).Wait(stop);
        }
        catch (Exception e) when (e is OperationCanceledException or AggregateException && stop.IsCancellationRequested)
        {
            return false;
        }
        return !stop.IsCancellationRequested;
    }
}
