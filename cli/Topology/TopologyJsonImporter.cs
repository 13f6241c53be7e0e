using System.Collections.Immutable;
using System.Text.Json;
using Lb.Core.Addressing;

namespace Lbdeploy.Topology;

/// <summary>
/// Reads the topology.json p4run writes (networkx node-link data). Addresses, MACs, ports, interface names, device ids
/// and thrift ports are taken as given. Nodes that are neither hosts nor P4 switches (the CPU-port bridge) are skipped
/// with their links. Links are ordered as <see cref="AppConfigImporter"/> orders them so both formats compare equal.
/// </summary>
public static class TopologyJsonImporter
{
    public static Fabric Import(JsonElement root, string source)
    {
        var errors = new List<string>();
        var hostNodes = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var switches = new List<FabricSwitch>();

        if (root.GetProperty("nodes") is not { ValueKind: JsonValueKind.Array } nodes)
            throw new TopologyException($"{source}: \"nodes\" must be an array of node objects (re-create the file with p4run)");
        var index = 0;
        foreach (var node in nodes.EnumerateArray())
        {
            var where = $"nodes[{index++}]";
            if (String(node, "id") is not { } id) { errors.Add($"{where} has no \"id\""); continue; }
            if (Bool(node, "isHost")) hostNodes[id] = node;
            else if (Bool(node, "isP4Switch") || (Bool(node, "isSwitch") && node.TryGetProperty("device_id", out _)))
            {
                var deviceId = Int(node, "device_id");
                var thrift = Int(node, "thrift_port");
                if (deviceId is null || thrift is null) errors.Add($"switch '{id}' lacks device_id or thrift_port");
                else switches.Add(new FabricSwitch(id, deviceId.Value, thrift.Value));
            }
        }
        var switchNames = switches.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

        if (root.GetProperty("links") is not { ValueKind: JsonValueKind.Array } linksElement)
            throw new TopologyException($"{source}: \"links\" must be an array of link objects (re-create the file with p4run)");
        var links = new List<FabricLink>();
        index = 0;
        foreach (var link in linksElement.EnumerateArray())
        {
            var where = $"links[{index++}]";
            var node1 = String(link, "node1") ?? String(link, "source");
            var node2 = String(link, "node2") ?? String(link, "target");
            if (node1 is null || node2 is null) { errors.Add($"{where} has no node1/node2"); continue; }
            bool Known(string n) => hostNodes.ContainsKey(n) || switchNames.Contains(n);
            if (!Known(node1) || !Known(node2)) continue; // e.g. the CPU-port bridge
            var end1 = End(link, node1, "1", where, errors);
            var end2 = End(link, node2, "2", where, errors);
            if (end1 is null || end2 is null) continue;
            var options = new LinkOptions(
                Double(link, "bw"),
                link.TryGetProperty("delay", out var delay) && delay.ValueKind == JsonValueKind.String ? delay.GetString() : null,
                Double(link, "loss"),
                Int(link, "max_queue_size"));
            // host as end A, like the app config importer
            links.Add(hostNodes.ContainsKey(node2) ? new FabricLink(end2, end1, options) : new FabricLink(end1, end2, options));
        }

        var hosts = new List<FabricHost>();
        foreach (var (name, node) in hostNodes)
        {
            var hostLinks = links.Where(l => l.A.Node == name).ToList();
            if (hostLinks.Count != 1) { errors.Add($"host '{name}' has {hostLinks.Count} links (expected exactly one)"); continue; }
            var end = hostLinks[0].A;
            if (!Ipv4Interface.TryParse(String(node, "ip"), out var address)) { errors.Add($"host '{name}' has no valid \"ip\" (ADDRESS/LENGTH)"); continue; }
            if (!MacAddress.TryParse(String(node, "mac"), out var mac)) mac = end.Mac;
            var route = String(node, "defaultRoute");
            Ipv4Address gateway;
            if (route is not null && route.StartsWith("via ", StringComparison.Ordinal) && Ipv4Address.TryParse(route[4..].Trim(), out var via)) gateway = via;
            else if (hostLinks[0].B.Address is { } switchSide) gateway = switchSide.Address;
            else { errors.Add($"host '{name}' has no defaultRoute \"via ADDRESS\""); continue; }
            hosts.Add(new FabricHost(name, address, gateway, mac, end.Name));
        }

        if (errors.Count > 0)
        {
            var shown = errors.Take(5).ToList();
            if (errors.Count > 5) shown.Add($"and {errors.Count - 5} more");
            throw new TopologyException($"{source}: {string.Join("; ", shown)} (re-create the file with p4run or fix these entries)");
        }

        var hostSet = hostNodes.Keys.ToHashSet(StringComparer.Ordinal);
        var ordered = links
            .OrderBy(l => hostSet.Contains(l.A.Node) ? 0 : 1)
            .ThenBy(l => l.A.Node, NaturalOrder.Instance)
            .ThenBy(l => l.B.Node, NaturalOrder.Instance)
            .ToImmutableArray();
        return new Fabric(
            source,
            [.. hosts.OrderBy(h => h.Name, NaturalOrder.Instance)],
            [.. switches.OrderBy(s => s.DeviceId).ThenBy(s => s.Name, NaturalOrder.Instance)],
            ordered);
    }

    private static FabricInterface? End(JsonElement link, string node, string suffix, string where, List<string> errors)
    {
        var port = Int(link, "port" + suffix);
        var name = String(link, "intfName" + suffix);
        var macText = String(link, "addr" + suffix);
        if (port is null || name is null || !MacAddress.TryParse(macText, out var mac))
        {
            errors.Add($"{where} ({node}) lacks port{suffix}, intfName{suffix} or a valid addr{suffix}");
            return null;
        }
        Ipv4Interface? address = Ipv4Interface.TryParse(String(link, "ip" + suffix), out var parsed) ? parsed : null;
        return new FabricInterface(node, port.Value, name, mac, address);
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool Bool(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static double? Double(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
