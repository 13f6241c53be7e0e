using Lb.Core.Config;

namespace Lb.Engine.Mux;

/// <summary>
/// A DIP in the mux's current pool, with its counters (carried over across reloads by address). Its weight is the
/// runtime override (control command `weight`) when one is set, else the config's.
/// </summary>
public sealed class DipRuntime(DipConfig config, bool drainedByControl, bool down = false, int? weightOverride = null)
{
    public DipConfig Config { get; } = config;
    public string Name => Config.Name;
    public uint Address { get; } = config.Address.Value;
    /// <summary>The weight Maglev gives it unless drained or down: the override, else the config's.</summary>
    public int Weight { get; } = weightOverride ?? config.Weight;
    /// <summary>A runtime weight differs from the config's (the control command `weight`).</summary>
    public bool WeightOverridden { get; } = weightOverride is not null;
    /// <summary>Drained: weight 0 (config or override) or "drain NAME" on the control socket. Keeps established flows.</summary>
    public bool Drained => Weight == 0 || DrainedByControl;
    public bool DrainedByControl { get; } = drainedByControl;
    /// <summary>
    /// Down by health checking (separate from drained): out of the Maglev table, and its established flows are re-hashed
    /// on their next packet. False while the mux fails open (every DIP down).
    /// </summary>
    public bool Down { get; } = down;
    public int EffectiveWeight => Drained || Down ? 0 : Weight;

    public long Packets;
    public long Bytes;
    public long Flows;
}
