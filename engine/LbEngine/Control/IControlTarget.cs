using Lb.Core.Flows;

namespace Lb.Engine.Control;

/// <summary>What the control socket can ask an engine; each method returns the JSON reply (with "ok"), except <see cref="Metrics"/>.</summary>
public interface IControlTarget
{
    string Stats();
    string Reload();
    string Drain(string name);
    string Undrain(string name);
    /// <summary>`weight NAME N`: a runtime weight for a DIP (N equal to the config's clears it).</summary>
    string Weight(string name, int weight);
    /// <summary>`conns LIMIT`: live flows of the connection table, most recently used first.</summary>
    string Connections(int limit);
    /// <summary>`lookup PROTO SRC:PORT DST:PORT`: the DIP the flow reaches, and whether from the connection table or Maglev.</summary>
    string Lookup(FlowKey flow);
    string Health();

    /// <summary>The Prometheus text exposition (not JSON: the one exception of the protocol).</summary>
    string Metrics() => ControlReply.Error("this engine exports no metrics");
}
