using Lb.Core.Flows;

namespace Lb.Engine.Agent;

/// <summary>Asks the local kernel whether it has a TCP connection (any state but LISTEN) for a flow the agent received.</summary>
public interface IKernelConnections
{
    /// <summary><paramref name="flow"/> as the mux keyed it: client -> VIP:port.</summary>
    bool HasConnection(in FlowKey flow);
}
