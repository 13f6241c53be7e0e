using Lb.Core.Config;

namespace Lb.Engine.Mux;

/// <summary>
/// What the control socket changed on a mux's DIPs at run time, over its config: drains (`drain NAME`) and weights
/// (`weight NAME N`). Both survive a reload for the DIPs still in the pool; a weight override ends when N equals the
/// config's weight, set by the command or by a reloaded config that now says the same. Not thread-safe: the mux
/// changes it under its reload lock.
/// </summary>
public sealed class DipOverrides
{
    private readonly HashSet<string> _drained = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _weights = new(StringComparer.Ordinal);

    public IReadOnlySet<string> Drained => _drained;
    public IReadOnlyDictionary<string, int> Weights => _weights;

    /// <summary>Drains or undrains <paramref name="name"/>; true when that changed anything.</summary>
    public bool SetDrained(string name, bool drained) => drained ? _drained.Add(name) : _drained.Remove(name);

    /// <summary>
    /// Sets <paramref name="name"/>'s weight over <paramref name="config"/> (a DIP of it; the weight within
    /// <see cref="EngineLimits.Weight"/>, which the parser checked): the config's own weight clears the override.
    /// True when the effective weight or the override changed.
    /// </summary>
    public bool SetWeight(EngineConfig config, string name, int weight)
    {
        var dip = config.Dips.First(d => d.Name == name);
        if (!EngineLimits.Weight.Contains(weight)) throw new ArgumentOutOfRangeException(nameof(weight), weight, $"a weight is in {EngineLimits.Weight}");
        if (weight == dip.Weight) return _weights.Remove(name);
        var changed = !_weights.TryGetValue(name, out var old) || old != weight;
        _weights[name] = weight;
        return changed;
    }

    /// <summary>
    /// Keeps what still applies to a reloaded config: drains and weights of DIPs still in its pool, weights it does not
    /// already give. Returns the weight overrides that ended, for the log.
    /// </summary>
    public IReadOnlyList<string> Reconcile(EngineConfig next)
    {
        var dips = next.Dips.ToDictionary(d => d.Name, d => d.Weight, StringComparer.Ordinal);
        _drained.IntersectWith(dips.Keys);
        var ended = _weights.Where(w => !dips.TryGetValue(w.Key, out var weight) || weight == w.Value).Select(w => w.Key).ToList();
        foreach (var name in ended) _weights.Remove(name);
        return ended;
    }
}
