using Lb.Engine.Runtime;

namespace Lb.Engine.Gate;

/// <summary>
/// `lbengine gate`: on a mux host of the frr target, keeps the host's BGP announcement of the VIP on exactly while
/// its mux engine answers healthy (the role ExaBGP's healthcheck plays beside Katran), so failover needs nothing off
/// the host. The first answer sets the announcement at once; then an engine that is gone or says it is unhealthy is
/// withdrawn in the same round, a silent one after <see cref="GateSettings.Fall"/> rounds, and a withdrawn one comes
/// back after <see cref="GateSettings.Rise"/> healthy answers. A change the host refused is tried again next round.
/// </summary>
public sealed class AnnouncementGate(GateSettings settings, IMuxProbe probe, IAnnouncementSwitch announcement, EngineLog log, TimeProvider time)
{
    private int _successes;
    private int _failures;
    private long? _writtenAt;

    /// <summary>What the route says now: null until the first round wrote it, or after the host refused a change.</summary>
    public bool? Announced { get; private set; }

    public long Rounds { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await RoundAsync(cancellationToken);
            try
            {
                await Task.Delay(settings.Interval, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One look at the mux and, when the announcement must change (or is due to be written again), one write.</summary>
    public async Task RoundAsync(CancellationToken cancellationToken)
    {
        var result = await probe.ProbeAsync(cancellationToken);
        Rounds++;
        var announce = Decide(result);
        var due = _writtenAt is not { } at || time.GetElapsedTime(at) >= settings.Reassert;
        if (announce == Announced && !due) return;
        try
        {
            await announcement.SetAsync(announce, cancellationToken);
        }
        catch (GateException e)
        {
            log.Error($"{(announce ? "announcing" : "withdrawing")} {announcement.Prefix} failed: {e.Message}; trying again next round");
            Announced = null;
            _writtenAt = null;
            return;
        }
        _writtenAt = time.GetTimestamp();
        if (announce == Announced) return;
        if (announce) log.Info($"{announcement.Prefix} announced: the mux answers healthy");
        else log.Warn($"{announcement.Prefix} withdrawn: {result.Problem ?? "the mux is not healthy"}");
        Announced = announce;
    }

    private bool Decide(MuxProbeResult result)
    {
        if (result.Answer == MuxAnswer.Healthy)
        {
            _failures = 0;
            _successes++;
            // Announced (or not yet written): stay or start announced; withdrawn: back only after rise answers.
            return Announced != false || _successes >= settings.Rise;
        }
        _successes = 0;
        _failures++;
        // The engine is gone or says it is unhealthy: withdraw now. Silent: only after fall rounds in a row.
        return result.Answer == MuxAnswer.Silent && Announced == true && _failures < settings.Fall;
    }
}
