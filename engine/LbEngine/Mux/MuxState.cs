using Lb.Core.Addressing;
using Lb.Core.Config;
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
    public MuxState(EngineConfig config, MacAddress ownMac, MacAddress gatewayMac, IReadOnlySet<string> drained, MuxState? previous = null,
        IReadOnlySet<uint>? down = null, IReadOnlyDictionary<string, int>? weights = null)
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

    public DipRuntime? FindDip(uint address) => _dipsByAddress.GetValueOrDefault(address);
}
