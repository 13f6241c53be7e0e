using Lb.Core.Config;

namespace Lb.Engine.Mux;

/// <summary>A DIP in the mux's current pool, with its counters (carried over across reloads by address).</summary>
public sealed class DipRuntime(DipConfig config, bool drainedByControl, bool down = false)
{
    public DipConfig Config { get; } = config;
    public string Name => Config.Name;
    public uint Address { get; } = config.Address.Value;
    /// <summary>Drained: weight 0 in the config or "drain NAME" on the control socket. Keeps established flows.</summary>
    public bool Drained { get; } = config.Weight == 0 || drainedByControl;
    public bool DrainedByControl { get; } = drainedByControl;
    /// <summary>
    /// Down by health checking (separate from drained): out of the Maglev table, and its established flows are re-hashed
    /// on their next packet. False while the mux fails open (every DIP down).
    /// </summary>
    public bool Down { get; } = down;
    public int EffectiveWeight => Drained || Down ? 0 : Config.Weight;

    public long Packets;
    public long Bytes;
    public long Flows;
}
