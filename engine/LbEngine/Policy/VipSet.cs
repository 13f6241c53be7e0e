using Lb.Core.Config;

namespace Lb.Engine.Policy;

/// <summary>The VIPs of an engine; a linear scan beats hashing for the handful of VIPs an engine serves.</summary>
public sealed class VipSet
{
    private readonly VipRuntime[] _vips;

    /// <summary>Builds the set; counters are carried over from <paramref name="previous"/> for VIPs that stay.</summary>
    public VipSet(IReadOnlyList<VipConfig> vips, VipSet? previous = null)
    {
        _vips = new VipRuntime[vips.Count];
        for (var i = 0; i < vips.Count; i++)
        {
            var vip = new VipRuntime(vips[i]);
            if (previous?.Find(vip.Address) is { } old)
            {
                vip.Packets = old.Packets;
                vip.Bytes = old.Bytes;
                vip.Flows = old.Flows;
            }
            _vips[i] = vip;
        }
    }

    public IReadOnlyList<VipRuntime> All => _vips;

    public VipRuntime? Find(uint address)
    {
        foreach (var vip in _vips)
            if (vip.Address == address) return vip;
        return null;
    }
}
