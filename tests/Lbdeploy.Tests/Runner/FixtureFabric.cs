using System.Collections.Immutable;
using System.Text.Json;
using Lb.Core.Addressing;
using Lbdeploy.Topology;

namespace Lbdeploy.Tests.Runner;

/// <summary>
/// Test-only: the course fat tree as a <see cref="Fabric"/>, read from the p4run topology.json fixture with the
/// least code that works (the product's importer is FabricLoader; these tests must not depend on it).
/// </summary>
internal static class FixtureFabric
{
    /// <summary>The repository's copy of the topology.json p4run writes for the course fat tree.</summary>
    public static string TopologyJson => Lbdeploy.Tests.Spec.RepoPaths.Combine("examples", "fabrics", "fattree_topology.json");

    public static Fabric FatTree() => FromTopologyJson(TopologyJson);

    public static Fabric FromTopologyJson(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var hosts = new List<FabricHost>();
        var switches = new List<FabricSwitch>();
        var hostNodes = new Dictionary<string, JsonElement>();
        foreach (var node in doc.RootElement.GetProperty("nodes").EnumerateArray())
        {
            var id = node.GetProperty("id").GetString()!;
            if (node.TryGetProperty("isHost", out var isHost) && isHost.GetBoolean()) hostNodes[id] = node;
            else switches.Add(new FabricSwitch(id, node.GetProperty("device_id").GetInt32(), node.GetProperty("thrift_port").GetInt32()));
        }
        var links = new List<FabricLink>();
        foreach (var link in doc.RootElement.GetProperty("links").EnumerateArray())
        {
            FabricInterface End(string n) => new(
                link.GetProperty("node" + n).GetString()!,
                link.GetProperty("port" + n).GetInt32(),
                link.GetProperty("intfName" + n).GetString()!,
                MacAddress.Parse(link.GetProperty("addr" + n).GetString()!),
                link.TryGetProperty("ip" + n, out var ip) ? Ipv4Interface.Parse(ip.GetString()!) : null);
            var options = link.TryGetProperty("bw", out var bw) ? new LinkOptions(BandwidthMbps: bw.GetDouble()) : LinkOptions.None;
            links.Add(new FabricLink(End("1"), End("2"), options));
        }
        foreach (var (name, node) in hostNodes)
        {
            var link = links.Single(l => l.A.Node == name || l.B.Node == name);
            hosts.Add(new FabricHost(
                name,
                Ipv4Interface.Parse(node.GetProperty("ip").GetString()!),
                Ipv4Address.Parse(node.GetProperty("defaultRoute").GetString()!.Replace("via ", "", StringComparison.Ordinal)),
                MacAddress.Parse(node.GetProperty("mac").GetString()!),
                link.End(name).Name));
        }
        return new Fabric(
            path,
            [.. hosts.OrderBy(h => h.Name, NaturalOrder.Instance)],
            [.. switches.OrderBy(s => s.Name, NaturalOrder.Instance)],
            [.. links]);
    }
}
