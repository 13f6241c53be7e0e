using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Maglev;
using Lb.Engine.Policy;

namespace Lb.Engine.Mux;

/// <summary>
/// Everything the mux packet path reads, as one immutable snapshot: a reload, drain or weight change builds a new one and swaps it
/// in with a single reference write, so the packet thread never sees a half-applied change.
/// </summary>
public sealed class MuxState
{
    private readonly Dictionary<uint, DipRuntime> _dipsByAddress;

    /// <param name="down">Addresses (host order) of DIPs that health checking reports down; null: health checking is off.</param>
    /// <param name="weights">Runtime weight overrides by DIP name (control command `weight`); null: none.</param>
    /// <param name="time">The clock of the second chance's pool history (null: the system's, read coarsely: <see cref="CoarseTimeProvider"/>).</param>
    /// <param name="history">Mux start: the pool history read back from disk (used when <paramref name="previous"/> has none).</param>
    public MuxState(EngineConfig config, MacAddress ownMac, MacAddress gatewayMac, IReadOnlySet<string> drained, MuxState? previous = null,
        IReadOnlySet<uint>? down = null, IReadOnlyDictionary<string, int>? weights = null, TimeProvider? time = null, PoolHistory? history = null)
    {
        Config = config;
        OwnAddress = config.Address.Value;
        OwnMac = ownMac;
        GatewayMac = gatewayMac;
        Mtu = config.Mtu;
        Seed = config.Hash.Seed;
        Vips = new VipSet(config.Vips, previous?.Vips);

        // Fail open: when health checking would leave no DIP with weight, ignore it rather than drop every new flow
        // (a broken health path, e.g. a firewalled port, must not take the whole service down).
        down ??= new HashSet<uint>();
        int? OverrideOf(DipConfig d) => weights is not null && weights.TryGetValue(d.Name, out var w) ? w : null;
        int WeightOf(DipConfig d) => OverrideOf(d) ?? d.Weight;
        HealthIgnored = down.Count > 0 && config.Dips.All(d => WeightOf(d) == 0 || drained.Contains(d.Name) || down.Contains(d.Address.Value))
            && config.Dips.Any(d => WeightOf(d) > 0 && !drained.Contains(d.Name));
        var dips = new DipRuntime[config.Dips.Count];
        _dipsByAddress = new Dictionary<uint, DipRuntime>(dips.Length);
        for (var i = 0; i < dips.Length; i++)
        {
            var dip = new DipRuntime(config.Dips[i], drained.Contains(config.Dips[i].Name), !HealthIgnored && down.Contains(config.Dips[i].Address.Value),
                OverrideOf(config.Dips[i]));
            if (previous?.FindDip(dip.Address) is { } old)
            {
                dip.Packets = old.Packets;
                dip.Bytes = old.Bytes;
                dip.Flows = old.Flows;
            }
            dips[i] = dip;
            _dipsByAddress[dip.Address] = dip;
        }
        Dips = dips;
        Table = MaglevTable.Build(
            dips.Select(d => new MaglevBackend(d.Name, d.Config.Address, d.EffectiveWeight)).ToArray(),
            config.Hash.TableSize, config.Hash.Seed);
        if (config.SecondChance is { Enabled: true } secondChance)
        {
            Owners = Table.Owners();
            History = NextHistory(previous, history, secondChance.Retention, time ?? CoarseTimeProvider.Instance);
        }
    }

    /// <summary>
    /// The previous state's history (or the one given at start) if it is about the same table size and seed, plus
    /// the previous table if this one differs from it: a reload, drain, undrain or health change moved slots.
    /// </summary>
    private PoolHistory NextHistory(MuxState? previous, PoolHistory? loaded, TimeSpan retention, TimeProvider time)
    {
        var size = Table.Size;
        var seed = Table.Seed;
        bool Fits(PoolHistory? h) => h is not null && h.TableSize == size && h.Seed == seed;
        var history = Fits(previous?.History) ? previous!.History!.WithRetention(retention)
            : Fits(loaded) ? loaded!.WithRetention(retention)
            : PoolHistory.Empty(size, seed, retention, time);
        if (previous?.Owners is { } before && before.Length == size && previous.Seed == seed && !before.AsSpan().SequenceEqual(Owners))
            history = history.Retire(before);
        return history;
    }

    public EngineConfig Config { get; }
    /// <summary>Every DIP with weight is down: health is ignored (fail open) until one comes back.</summary>
    public bool HealthIgnored { get; }
    public uint OwnAddress { get; }
    public MacAddress OwnMac { get; }
    public MacAddress GatewayMac { get; }
    public int Mtu { get; }
    public uint Seed { get; }
    public VipSet Vips { get; }
    /// <summary>Indexed like <see cref="Table"/>'s backends.</summary>
    public IReadOnlyList<DipRuntime> Dips { get; }
    public MaglevTable Table { get; }
    /// <summary>Second chance on: <see cref="Table"/>'s owner per slot, and the tables it replaced; null when off.</summary>
    public uint[]? Owners { get; }
    public PoolHistory? History { get; }

    public DipRuntime? FindDip(uint address) => _dipsByAddress.GetValueOrDefault(address);

    /// <summary>
    /// The second chance's alternates of a TCP packet that does not open a connection, sent to <paramref name="primary"/>:
    /// the earlier owners of its slot (<see cref="PoolHistory.Alternates(uint, uint, Span{uint}, Span{int})"/>); 0 when
    /// the second chance is off. The packet path and the `lookup` query both ask here, so they cannot disagree.
    /// </summary>
    public int SecondChanceAlternates(uint flowHash, uint primary, Span<uint> alternates, Span<int> versions = default) =>
        History?.Alternates(flowHash, primary, alternates, versions) ?? 0;
}
