using Lb.Core.Addressing;
using Lb.Core.Maglev;
using Lbdeploy.Spec;

namespace Lbdeploy.Rendering;

/// <summary>
/// The fraction of new flows each DIP gets: its share of the slots of the very Maglev table the muxes build (same
/// library, size and seed), so the summary shows the real split, rounding included. Drained DIPs get none.
/// </summary>
public static class MaglevShares
{
    public static IReadOnlyList<double> Of(IReadOnlyList<(DipSpec Dip, Ipv4Address Address)> dips, HashSpec hash)
    {
        var table = MaglevTable.Build([.. dips.Select(d => new MaglevBackend(d.Dip.Host, d.Address, d.Dip.Weight))], hash.TableSize, hash.Seed);
        return [.. table.SlotCounts().Select(count => Math.Round((double)count / table.Size, 4))];
    }
}
