using System.Collections.Immutable;
using Lb.Core.Addressing;
using Lbdeploy.Routing;

namespace Lbdeploy.Verification;

/// <summary>
/// What the verifier checks beyond "every host reaches every host": the clients that must reach each VIP, the muxes
/// (that must reach every DIP) and the DIPs. Which muxes serve which VIP comes from the plan's placements.
/// </summary>
public sealed record VerificationScope(
    ImmutableArray<string> Clients,
    ImmutableArray<string> Muxes,
    ImmutableArray<string> Dips,
    ImmutableArray<Ipv4Address> Vips)
{
    /// <summary>
    /// The scope of a plan: its VIPs and their muxes; clients default to every host that is neither a mux nor a DIP.
    /// </summary>
    public static VerificationScope ForPlan(ForwardingPlan plan, IEnumerable<string>? clients = null, IEnumerable<string>? dips = null)
    {
        var muxes = plan.Vips.SelectMany(v => v.Muxes).Distinct(StringComparer.Ordinal).ToImmutableArray();
        var dipList = (dips ?? []).ToImmutableArray();
        var clientList = clients?.ToImmutableArray()
            ?? [.. plan.Fabric.Hosts.Select(h => h.Name).Where(h => !muxes.Contains(h) && !dipList.Contains(h))];
        return new VerificationScope(clientList, muxes, dipList, [.. plan.Vips.Select(v => v.Vip)]);
    }
}
