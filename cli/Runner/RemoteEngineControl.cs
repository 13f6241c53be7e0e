using Lb.Core.Control;
using Lb.Core.Flows;
using Lb.Core.Stats;
using Lbdeploy.Remote;

namespace Lbdeploy.Runner;

/// <summary>The control sockets of the engines on one machine, reached by `lbengine ctl` there over SSH (<see cref="RemoteEngine"/>).</summary>
public sealed class RemoteEngineControl(RemoteEngine engine, string node) : IEngineControl
{
    public Task HealthAsync(string socket, TimeSpan timeout, CancellationToken cancellationToken) =>
        engine.ControlOf(node, socket, timeout).HealthAsync(cancellationToken);

    public Task<EngineStats> StatsAsync(string socket, CancellationToken cancellationToken) =>
        engine.ControlOf(node, socket).GetStatsAsync(cancellationToken);

    public Task ReloadAsync(string socket, CancellationToken cancellationToken) =>
        engine.ControlOf(node, socket).ReloadAsync(cancellationToken);

    public async Task<IReadOnlyList<DipStats>> DipsAsync(string socket, CancellationToken cancellationToken) =>
        (await engine.ControlOf(node, socket).GetStatsAsync(cancellationToken)).Dips
            ?? throw new ControlException($"the engine on {socket} ({node}) reported no DIPs; is it a mux?");

    public Task SetDrainedAsync(string socket, string dip, bool drained, CancellationToken cancellationToken) =>
        drained ? engine.ControlOf(node, socket).DrainAsync(dip, cancellationToken) : engine.ControlOf(node, socket).UndrainAsync(dip, cancellationToken);

    public Task<WeightReply> SetWeightAsync(string socket, string dip, int weight, CancellationToken cancellationToken) =>
        engine.ControlOf(node, socket).SetWeightAsync(dip, weight, cancellationToken);

    public Task<ConnectionsReply> ConnectionsAsync(string socket, int limit, CancellationToken cancellationToken) =>
        engine.ControlOf(node, socket).GetConnectionsAsync(limit, cancellationToken);

    public Task<FlowLookupReply> LookupAsync(string socket, FlowKey flow, CancellationToken cancellationToken) =>
        engine.ControlOf(node, socket).LookupAsync(flow, cancellationToken);
}
