using Lb.Core.Control;
using Lb.Core.Stats;

namespace Lbdeploy.Runner;

/// <summary>
/// The engines' control sockets as the runner uses them (<see cref="EngineControlSockets"/> talks to them with
/// <see cref="ControlClient"/>). Every failure is a <see cref="ControlException"/> naming the socket.
/// </summary>
public interface IEngineControl
{
    /// <summary>Returns when the engine on <paramref name="socket"/> answers `health` within <paramref name="timeout"/>.</summary>
    Task HealthAsync(string socket, TimeSpan timeout, CancellationToken cancellationToken);

    Task<EngineStats> StatsAsync(string socket, CancellationToken cancellationToken);

    /// <summary>Makes the engine re-read its config file.</summary>
    Task ReloadAsync(string socket, CancellationToken cancellationToken);

    /// <summary>A mux's DIPs as it sees them now (the <c>dips</c> of <c>stats</c>: weight from its config, state drained or active).</summary>
    Task<IReadOnlyList<DipStats>> DipsAsync(string socket, CancellationToken cancellationToken);

    /// <summary>`drain NAME` (<paramref name="drained"/>) or `undrain NAME` on a mux: no new flows to the DIP, established ones kept.</summary>
    Task SetDrainedAsync(string socket, string dip, bool drained, CancellationToken cancellationToken);
}

/// <summary>The real control sockets.</summary>
public sealed class EngineControlSockets : IEngineControl
{
    public static readonly EngineControlSockets Instance = new();

    private EngineControlSockets()
    {
    }

    public Task HealthAsync(string socket, TimeSpan timeout, CancellationToken cancellationToken) =>
        new ControlClient(socket, timeout).HealthAsync(cancellationToken);

    public Task<EngineStats> StatsAsync(string socket, CancellationToken cancellationToken) =>
        new ControlClient(socket).GetStatsAsync(cancellationToken);

    public Task ReloadAsync(string socket, CancellationToken cancellationToken) =>
        new ControlClient(socket).ReloadAsync(cancellationToken);

    public async Task<IReadOnlyList<DipStats>> DipsAsync(string socket, CancellationToken cancellationToken) =>
        (await new ControlClient(socket).GetStatsAsync(cancellationToken)).Dips
            ?? throw new ControlException($"the engine on {socket} reported no DIPs; is it a mux?");

    public Task SetDrainedAsync(string socket, string dip, bool drained, CancellationToken cancellationToken) =>
        drained ? new ControlClient(socket).DrainAsync(dip, cancellationToken) : new ControlClient(socket).UndrainAsync(dip, cancellationToken);
}
