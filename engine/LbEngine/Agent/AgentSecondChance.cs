using Lb.Core.Config;
using Lb.Core.Flows;

namespace Lb.Engine.Agent;

/// <summary>
/// What the agent knows about its connections for the second chance: flows it delivered a SYN for or found in the
/// kernel (<see cref="IsLocal"/> answers from here first), flows the kernel did not have (a redirect cache, so one
/// flow costs one kernel lookup per idle timeout), and the kernel itself. Both tables are bounded and forget a flow
/// after the connection idle timeout. Packet thread only.
/// </summary>
public sealed class AgentSecondChance(ConnectionsConfig connections, IKernelConnections kernel, TimeProvider time)
{
    private readonly ConnectionTable _local = new(connections.Capacity, TimeSpan.FromSeconds(connections.IdleTimeoutSeconds), time);
    private readonly ConnectionTable _notLocal = new(connections.Capacity, TimeSpan.FromSeconds(connections.IdleTimeoutSeconds), time);

    public IKernelConnections Kernel { get; } = kernel;

    /// <summary>A SYN for the flow is being delivered: it is local from now on.</summary>
    public void Opened(in FlowKey flow)
    {
        var hash = FlowHash.Compute(flow, 0);
        _local.Set(flow, hash, 1);
        _notLocal.Remove(flow, hash);
    }

    /// <summary>Whether this host has the flow's connection: its own record, else the redirect cache, else the kernel (cached).</summary>
    public bool IsLocal(in FlowKey flow)
    {
        var hash = FlowHash.Compute(flow, 0);
        if (_local.TryGet(flow, hash, out _)) return true;
        if (_notLocal.TryGet(flow, hash, out _)) return false;
        if (Kernel.HasConnection(flow))
        {
            _local.Set(flow, hash, 1);
            return true;
        }
        _notLocal.Set(flow, hash, 0);
        return false;
    }
}
