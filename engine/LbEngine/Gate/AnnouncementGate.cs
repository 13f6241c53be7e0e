using Lb.Engine.Runtime;

namespace Lb.Engine.Gate;

/// <summary>
/// `lbengine gate`: on a mux host of the frr target, keeps the host's BGP announcement of the VIP on exactly while
/// its mux engine answers healthy (the role ExaBGP's healthcheck plays beside Katran), so failover needs nothing off
/// the host. The first answer sets the announcement at once; then an engine that is gone or says it is unhealthy is
/// withdrawn in the same round, a silent one after <see cref="GateSettings.Fall"/> rounds, and a withdrawn one comes
/// back after <see cref="GateSettings.Rise"/> healthy answers. A change the host refused is tried again next round;
/// what the answers decided stays decided meanwhile (a refused withdrawal does not skip the rise).
/// </summary>
public sealed class AnnouncementGate(GateSettings settings, IMuxProbe probe, IAnnouncementSwitch announcement, EngineLog log, TimeProvider time)
{
    private int _successes;
    private int _failures;
    private bool? _decided;
    private long? _writtenAt;

    /// <summary>What the route is known to say: null until the first round wrote it, or after the host refused a change.</summary>
    public bool? Announced { get; private set; }

    public long Rounds { get; private set; }

    /// <summary>Rounds until <paramref name="cancellationToken"/> is cancelled; a round that fails is logged and the next one runs.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(cancellationToken);
                await Task.Delay(settings.Interval, time, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Whatever broke this round (the announcement stays as it was), the next one looks again.
                log.Error($"gate round failed: {e.Message}");
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
    }

    /// <summary>One look at the mux and, when the announcement must change (or is due to be written again), one write.</summary>
    public async Task RoundAsync(CancellationToken cancellationToken)
    {
        var result = await probe.ProbeAsync(cancellationToken);
        Rounds++;
        var announce = Decide(result);
        _decided = announce;
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
            // Announced (or nothing decided yet): stay or start announced; withdrawn: back only after rise answers.
            return _decided != false || _successes >= settings.Rise;
        }
        _successes = 0;
        _failures++;
        // The engine is gone or says it is unhealthy: withdraw now. Silent: only after fall rounds in a row.
        return result.Answer == MuxAnswer.Silent && _decided == true && _failures < settings.Fall;
    }
}
