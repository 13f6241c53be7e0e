using Lb.Core.Flows;
using Lb.Engine.PacketIo;

namespace Lb.Engine.Agent;

/// <summary>The agent's kernel question answered by netlink sock_diag.</summary>
internal sealed class SockDiagConnections(SockDiag diag) : IKernelConnections
{
    public bool HasConnection(in FlowKey flow) => diag.HasConnection(flow);
}
