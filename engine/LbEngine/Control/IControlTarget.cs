namespace Lb.Engine.Control;

/// <summary>What the control socket can ask an engine; each method returns the JSON reply (with "ok"), except <see cref="Metrics"/>.</summary>
public interface IControlTarget
{
    string Stats();
    string Reload();
    string Drain(string name);
    string Undrain(string name);
    string Health();

    /// <summary>The Prometheus text exposition (not JSON: the one exception of the protocol).</summary>
    string Metrics() => ControlReply.Error("this engine exports no metrics");
}
