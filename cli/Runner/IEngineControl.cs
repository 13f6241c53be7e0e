using Lb.Core.Control;
using Lb.Core.Flows;
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

    /// <summary>A mux's DIPs as it sees them now (the <c>dips</c> of <c>stats</c>: effective weight, config_weight and weight_override, state drained or active).</summary>
    Task<IReadOnlyList<DipStats>> DipsAsync(string socket, CancellationToken cancellationToken);

    /// <summary>`drain NAME` (<paramref name="drained"/>) or `undrain NAME` on a mux: no new flows to the DIP, established ones kept.</summary>
    Task SetDrainedAsync(string socket, string dip, bool drained, CancellationToken cancellationToken);

    /// <summary>`weight NAME N` on a mux: a runtime weight (N equal to its config's weight clears it).</summary>
    Task<WeightReply> SetWeightAsync(string socket, string dip, int weight, CancellationToken cancellationToken);

    /// <summary>`conns LIMIT` on a mux: its live flows, most recently used first.</summary>
    Task<ConnectionsReply> ConnectionsAsync(string socket, int limit, CancellationToken cancellationToken);

    /// <summary>`lookup PROTO SRC:PORT DST:PORT` on a mux: the DIP the flow reaches and whether from its connection table or Maglev.</summary>
    Task<FlowLookupReply> LookupAsync(string socket, FlowKey flow, CancellationToken cancellationToken);
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

    public Task<WeightReply> SetWeightAsync(string socket, string dip, int weight, CancellationToken cancellationToken) =>
        new ControlClient(socket).SetWeightAsync(dip, weight, cancellationToken);

    public Task<ConnectionsReply> ConnectionsAsync(string socket, int limit, CancellationToken cancellationToken) =>
        new ControlClient(socket).GetConnectionsAsync(limit, cancellationToken);

    public Task<FlowLookupReply> LookupAsync(string socket, FlowKey flow, CancellationToken cancellationToken) =>
        new ControlClient(socket).LookupAsync(flow, cancellationToken);
}
