using System.Text.Json.Nodes;
using Lbdeploy.Routing;
using Lbdeploy.Topology;

namespace Lbdeploy.Tests.Runner.Fakes;

/// <summary>
/// Test-only: the `ip -j route show` a switch prints when it holds exactly its planned routes, in the shapes of the
/// samples in Runner/Data: the linux target's script (no protocol key, `/32 dev` for attached hosts, `nexthops` for
/// ECMP) or FRR's zebra (no /32: the connected subnet reaches the host; `nhid`, proto bgp, metric 20). Connected subnets
/// come from the fabric's addresses on the switch's ports.
/// </summary>
internal static class KernelTables
{
    public static string Linux(SwitchForwarding planned, Fabric fabric) => Table(planned, fabric, frr: false);

    /// <summary>`ip -4 -j addr show dev IFACE` of a host: its fabric address, then each of <paramref name="extra"/> as a /32.</summary>
    public static string Addresses(FabricHost host, IEnumerable<string> extra)
    {
        var info = new JsonArray
        {
            new JsonObject { ["family"] = "inet", ["local"] = host.Address.Address.ToString(), ["prefixlen"] = host.Address.PrefixLength, ["scope"] = "global", ["label"] = host.Interface },
        };
        foreach (var address in extra) info.Add(new JsonObject { ["family"] = "inet", ["local"] = address, ["prefixlen"] = 32, ["scope"] = "global" });
        return new JsonArray { new JsonObject { ["ifindex"] = 2, ["ifname"] = host.Interface, ["flags"] = new JsonArray("BROADCAST", "MULTICAST", "UP", "LOWER_UP"), ["mtu"] = 1500, ["operstate"] = "UP", ["addr_info"] = info } }.ToJsonString();
    }

    public static string Frr(SwitchForwarding planned, Fabric fabric) => Table(planned, fabric, frr: true);

    /// <summary>What <see cref="Lbdeploy.Runner.MultipathDrift.Command"/> prints on a switch its script set up (kernel 6.11+).</summary>
    public static string MultipathSettings(uint fabricSeed, string switchName) =>
        $"{Lbdeploy.Ecmp.KernelMultipath.Policy}\n{Lbdeploy.Ecmp.KernelMultipath.Fields}\n{Lbdeploy.Ecmp.KernelMultipath.SwitchSeed(fabricSeed, switchName)}\n";

    private static string Table(SwitchForwarding planned, Fabric fabric, bool frr)
    {
        var table = new JsonArray();
        foreach (var port in fabric.LinksOf(planned.Switch.Name).Select(l => l.End(planned.Switch.Name)).Where(p => p.Address is not null))
        {
            table.Add(new JsonObject
            {
                ["dst"] = port.Address!.Value.Subnet.ToString(),
                ["dev"] = port.Name,
                ["protocol"] = "kernel",
                ["scope"] = "link",
                ["prefsrc"] = port.Address.Value.Address.ToString(),
                ["flags"] = new JsonArray(),
            });
        }
        var nhid = 10;
        foreach (var route in planned.Routes)
        {
            // The kernel prints a host route without its /32.
            var dst = route.Destination.Length == 32 ? route.Destination.Network.ToString() : route.Destination.ToString();
            if (route.Kind == RouteKind.DirectHost)
            {
                if (!frr) table.Add(new JsonObject { ["dst"] = dst, ["dev"] = route.NextHops[0].Egress.Name, ["scope"] = "link", ["flags"] = new JsonArray() });
                continue;
            }
            var entry = new JsonObject { ["dst"] = dst };
            if (frr) entry["nhid"] = nhid++;
            if (route.NextHops.Length == 1)
            {
                entry["gateway"] = route.NextHops[0].Ingress.Address!.Value.Address.ToString();
                entry["dev"] = route.NextHops[0].Egress.Name;
            }
            if (frr)
            {
                entry["protocol"] = "bgp";
                entry["metric"] = 20;
            }
            entry["flags"] = new JsonArray();
            if (route.NextHops.Length > 1)
            {
                entry["nexthops"] = new JsonArray([.. route.NextHops.Select(hop => (JsonNode)new JsonObject
                {
                    ["gateway"] = hop.Ingress.Address!.Value.Address.ToString(),
                    ["dev"] = hop.Egress.Name,
                    ["weight"] = 1,
                    ["flags"] = new JsonArray(),
                })]);
            }
            table.Add(entry);
        }
        return table.ToJsonString();
    }
}
