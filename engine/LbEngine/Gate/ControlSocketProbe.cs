using Lb.Core.Control;

namespace Lb.Engine.Gate;

/// <summary>The mux's own word on its health: <c>health</c> on its control socket, one connection per look.</summary>
public sealed class ControlSocketProbe(string socketPath, TimeSpan timeout) : IMuxProbe
{
    private readonly ControlClient _client = new(socketPath, timeout, maxReplyBytes: 1 << 20);

    public async Task<MuxProbeResult> ProbeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _client.HealthAsync(cancellationToken);
            return MuxProbeResult.Healthy;
        }
        catch (ControlException e)
        {
            // Only the engine's own word or its absence are certain; a busy server, a full backlog or a slow answer
            // may be a starved machine, which the gate sits out for a few rounds.
            var answer = e.Failure switch
            {
                ControlFailure.NoEngine => MuxAnswer.Gone,
                ControlFailure.Answered => MuxAnswer.Unhealthy,
                _ => MuxAnswer.Silent,
            };
            return new MuxProbeResult(answer, e.Message);
        }
    }
}
