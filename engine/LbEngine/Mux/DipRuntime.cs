using Lb.Core.Config;

namespace Lb.Engine.Mux;

/// <summary>A DIP in the mux's current pool, with its counters (carried over across reloads by address).</summary>
public sealed class DipRuntime(DipConfig config, bool drainedByControl)
{
    public DipConfig Config { get; } = config;
    public string Name => Config.Name;
    public uint Address { get; } = config.Address.Value;
    /// <summary>Drained: weight 0 in the config or "drain NAME" on the control socket. Keeps established flows.</summary>
    public bool Drained { get; } = config.Weight == 0 || drainedByControl;
    public bool DrainedByControl { get; } = drainedByControl;
    public int EffectiveWeight => Drained ? 0 : Config.Weight;

    public long Packets;
    public long Bytes;
    public long Flows;
}
