using Lb.Core.Config;
using Lb.Core.Flows;

namespace Lb.Engine.Agent;

/// <summary>
/// What the agent knows about its connections for the second chance: flows it delivered a SYN for or found in the
/// kernel (<see cref="IsLocal"/> answers from here first), flows the kernel did not have (a redirect cache, so one
/// flow costs one kernel lookup per idle timeout), and the kernel itself. Both tables are bounded and forget a flow
/// after the connection idle timeout. They are <see cref="FlowFingerprintSet"/>s: a packet of a flow that stayed
/// put is answered from one cache line. Packet thread only.
/// </summary>
public sealed class AgentSecondChance(ConnectionsConfig connections, IKernelConnections kernel, TimeProvider time)
{
    private readonly FlowFingerprintSet _local = new(connections.Capacity, TimeSpan.FromSeconds(connections.IdleTimeoutSeconds), time);
    private readonly FlowFingerprintSet _notLocal = new(connections.Capacity, TimeSpan.FromSeconds(connections.IdleTimeoutSeconds), time);

    public IKernelConnections Kernel { get; } = kernel;

    /// <summary>A SYN for the flow is being delivered: it is local from now on.</summary>
    public void Opened(in FlowKey flow)
    {
        _local.Add(flow);
        _notLocal.Remove(flow);
    }

    /// <summary>
    /// The client ended the connection (FIN or RST): forget it, so a later connection on the same 5-tuple that lives on
    /// another DIP is not taken for this one; anything still open here is found again in the kernel.
    /// </summary>
    public void Closed(in FlowKey flow) => _local.Remove(flow);

    /// <summary>Starts loading what <see cref="IsLocal"/> reads first for the flow (its bucket of the agent's own set).</summary>
    public void Prefetch(in FlowKey flow) => _local.Prefetch(flow);

    /// <summary>Whether this host has the flow's connection: its own record, else the redirect cache, else the kernel (cached).</summary>
    public bool IsLocal(in FlowKey flow)
    {
        if (_local.Contains(flow)) return true;
        if (_notLocal.Contains(flow)) return false;
        if (Kernel.HasConnection(flow))
        {
            _local.Add(flow);
            return true;
        }
        _notLocal.Add(flow);
        return false;
    }
}
