namespace Lb.Engine.Control;

/// <summary>What the control socket can ask an engine; each method returns the JSON reply (with "ok").</summary>
public interface IControlTarget
{
    string Stats();
    string Reload();
    string Drain(string name);
    string Undrain(string name);
    string Health();
}
