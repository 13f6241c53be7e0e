using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Maglev;
using Lb.Engine.Policy;

namespace Lb.Engine.Mux;

/// <summary>
/// Everything the mux packet path reads, as one immutable snapshot: a reload or drain builds a new one and swaps it
/// in with a single reference write, so the packet thread never sees a half-applied change.
/// </summary>
public sealed class MuxState
{
    private readonly Dictionary<uint, DipRuntime> _dipsByAddress;

    public MuxState(EngineConfig config, MacAddress ownMac, MacAddress gatewayMac, IReadOnlySet<string> drained, MuxState? previous = null)
    {
        Config = config;
        OwnAddress = config.Address.Value;
        OwnMac = ownMac;
        GatewayMac = gatewayMac;
        Mtu = config.Mtu;
        Seed = config.Hash.Seed;
        Vips = new VipSet(config.Vips, previous?.Vips);

        var dips = new DipRuntime[config.Dips.Count];
        _dipsByAddress = new Dictionary<uint, DipRuntime>(dips.Length);
        for (var i = 0; i < dips.Length; i++)
        {
            var dip = new DipRuntime(config.Dips[i], drained.Contains(config.Dips[i].Name));
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
