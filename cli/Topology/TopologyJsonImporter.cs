using System.Collections.Immutable;
using System.Text.Json;
using Lb.Core.Addressing;
using Lbdeploy.Common;

namespace Lbdeploy.Topology;

/// <summary>
/// Reads the topology.json p4run writes (networkx node-link data). Addresses, MACs, ports, interface names, device ids
/// and thrift ports are taken as given, and checked: names follow <see cref="Names"/>, every link joins declared
/// nodes, nothing is declared twice. A declared switch that is not a P4 switch (p4-utils' CPU-port bridge) is left
/// out with its links. Links are ordered as <see cref="AppConfigImporter"/> orders them so both formats compare equal.
/// </summary>
public static class TopologyJsonImporter
{
    public static Fabric Import(JsonElement root, string source)
    {
        var problems = new TopologyProblems(source);
        var hostNodes = new Dictionary<string, (JsonElement Node, string Path)>(StringComparer.Ordinal);
        var switches = new List<FabricSwitch>();
        var declared = new Dictionary<string, string>(StringComparer.Ordinal); // id -> path
        var ignored = new HashSet<string>(StringComparer.Ordinal);
        var rejected = new HashSet<string>(StringComparer.Ordinal); // reported already: links to them say nothing more
        var involved = new HashSet<string>(StringComparer.Ordinal); // hosts of links that were refused: their link count says nothing more

        if (root.GetProperty("nodes") is not { ValueKind: JsonValueKind.Array } nodes)
        {
            problems.Add("nodes", "\"nodes\" must be an array of node objects; re-create the file with p4run");
            problems.ThrowIfAny();
            return null!;
        }
        var index = 0;
        // A node entry without a readable id may be what a link names: such links are not blamed on top of it.
        var unnamed = false;
        foreach (var node in nodes.EnumerateArray())
        {
            var where = JsonLocator.Item("nodes", index++);
            if (node.ValueKind != JsonValueKind.Object) { problems.Add(where, "a node must be an object with an \"id\""); unnamed = true; continue; }
            if (String(node, "id") is not { } id) { problems.Add(where, "the node has no \"id\" string"); unnamed = true; continue; }
            if (Names.NodeProblem(id) is { } nameProblem)
            {
                problems.Add(JsonLocator.Property(where, "id"), $"node name {TerminalText.Quote(id)} is not allowed: {nameProblem}; names are {Names.NodeRule}");
                rejected.Add(id);
                continue;
            }
            if (!declared.TryAdd(id, where))
            {
                problems.Add(JsonLocator.Property(where, "id"), $"node {id} is declared twice (also {declared[id]}); remove one");
                continue;
            }
            if (Bool(node, "isHost"))
            {
                hostNodes[id] = (node, where);
            }
            else if (Bool(node, "isP4Switch") || (Bool(node, "isSwitch") && node.TryGetProperty("device_id", out _)))
            {
                var deviceId = Int(node, "device_id");
                var thrift = Int(node, "thrift_port");
                if (deviceId is not (>= 0 and <= 0xFFFF) || thrift is not (>= 1 and <= 65535))
                    problems.Add(where, $"switch {id} needs a device_id (0-65535) and a thrift_port (1-65535), as p4run writes them");
                else switches.Add(new FabricSwitch(id, deviceId.Value, thrift.Value));
            }
            else if (Bool(node, "isSwitch"))
            {
                ignored.Add(id); // e.g. p4-utils' CPU-port bridge "sw-cpu": not part of the routed fabric
            }
            else
            {
                problems.Add(where, $"node {id} is neither a host (\"isHost\": true) nor a switch (\"isSwitch\"/\"isP4Switch\"); re-create the file with p4run");
            }
        }
        var switchNames = switches.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

        if (root.GetProperty("links") is not { ValueKind: JsonValueKind.Array } linksElement)
        {
            problems.Add("links", "\"links\" must be an array of link objects; re-create the file with p4run");
            problems.ThrowIfAny();
            return null!;
        }
        var links = new List<FabricLink>();
        var pairs = new Dictionary<(string, string), string>();
        index = 0;
        foreach (var link in linksElement.EnumerateArray())
        {
            var where = JsonLocator.Item("links", index++);
            if (link.ValueKind != JsonValueKind.Object) { problems.Add(where, "a link must be an object with node1 and node2"); continue; }
            var node1 = String(link, "node1") ?? String(link, "source");
            var node2 = String(link, "node2") ?? String(link, "target");
            if (node1 is null || node2 is null) { problems.Add(where, "the link has no node1/node2"); continue; }
            if (ignored.Contains(node1) || ignored.Contains(node2)) continue;
            var known = true;
            foreach (var (node, key) in new[] { (node1, "node1"), (node2, "node2") })
            {
                if (hostNodes.ContainsKey(node) || switchNames.Contains(node) || declared.ContainsKey(node)) continue;
                if (!rejected.Contains(node) && !unnamed)
                    problems.Add(JsonLocator.Property(where, key), $"{TerminalText.Quote(node)} is not a declared node; declare it in \"nodes\" or fix the name");
                known = false;
            }
            if (!known || !(hostNodes.ContainsKey(node1) || switchNames.Contains(node1)) || !(hostNodes.ContainsKey(node2) || switchNames.Contains(node2)))
            {
                involved.Add(node1);
                involved.Add(node2);
                continue;
            }
            if (node1 == node2) { problems.Add(where, $"the link connects {node1} to itself; remove it"); continue; }
            if (hostNodes.ContainsKey(node1) && hostNodes.ContainsKey(node2)) { problems.Add(where, $"the link connects two hosts ({node1}, {node2}); connect hosts to switches"); continue; }
            var pair = string.CompareOrdinal(node1, node2) < 0 ? (node1, node2) : (node2, node1);
            if (!pairs.TryAdd(pair, where)) { problems.Add(where, $"a second link between {node1} and {node2} (also {pairs[pair]}); remove one"); continue; }
            var end1 = End(link, node1, "1", where, problems);
            var end2 = End(link, node2, "2", where, problems);
            if (end1 is null || end2 is null)
            {
                involved.Add(node1);
                involved.Add(node2);
                continue;
            }
            var options = Options(link, where, problems);
            // host as end A, like the app config importer
            links.Add(hostNodes.ContainsKey(node2) ? new FabricLink(end2, end1, options) : new FabricLink(end1, end2, options));
        }

        var hosts = new List<FabricHost>();
        foreach (var (name, (node, where)) in hostNodes)
        {
            var hostLinks = links.Where(l => l.A.Node == name).ToList();
            if (hostLinks.Count != 1)
            {
                if (!(hostLinks.Count == 0 && involved.Contains(name))) problems.Add(where, $"host {name} has {hostLinks.Count} links; a host has exactly one");
                continue;
            }
            var end = hostLinks[0].A;
            if (!Ipv4Interface.TryParse(String(node, "ip"), out var address)) { problems.Add(where, $"host {name} has no valid \"ip\" (ADDRESS/LENGTH, e.g. 10.1.1.2/24)"); continue; }
            if (end.Address is { } linkAddress && linkAddress != address)
                problems.Add(where, $"host {name} has ip {address} but its link says {linkAddress}; re-create the file with p4run");
            MacAddress mac = end.Mac;
            if (String(node, "mac") is { } macText && !MacAddress.TryParse(macText, out mac))
                problems.Add(JsonLocator.Property(where, "mac"), $"{TerminalText.Quote(macText)} is not a MAC address (aa:bb:cc:dd:ee:ff)");
            else if (mac != end.Mac)
                problems.Add(JsonLocator.Property(where, "mac"), $"host {name} has mac {mac} but its link says {end.Mac}; re-create the file with p4run");
            var route = String(node, "defaultRoute");
            Ipv4Address gateway;
            if (route is not null && route.StartsWith("via ", StringComparison.Ordinal) && Ipv4Address.TryParse(route[4..].Trim(), out var via)) gateway = via;
            else if (route is null && hostLinks[0].B.Address is { } switchSide) gateway = switchSide.Address;
            else { problems.Add(where, $"host {name} has no defaultRoute \"via ADDRESS\" and its link gives its switch no address; add \"defaultRoute\": \"via GATEWAY\" to the node, or re-create the file with p4run"); continue; }
            hosts.Add(new FabricHost(name, address, gateway, mac, end.Name));
        }
        problems.ThrowIfAny();

        var hostSet = hostNodes.Keys.ToHashSet(StringComparer.Ordinal);
        var ordered = links
            .OrderBy(l => hostSet.Contains(l.A.Node) ? 0 : 1)
            .ThenBy(l => l.A.Node, NaturalOrder.Instance)
            .ThenBy(l => l.B.Node, NaturalOrder.Instance)
            .ToImmutableArray();
        var fabric = new Fabric(
            source,
            [.. hosts.OrderBy(h => h.Name, NaturalOrder.Instance)],
            [.. switches.OrderBy(s => s.DeviceId).ThenBy(s => s.Name, NaturalOrder.Instance)],
            ordered);
        FabricChecks.Check(fabric, problems, (_, node) => declared.GetValueOrDefault(node, "nodes"));
        problems.ThrowIfAny();
        return fabric;
    }

    private static FabricInterface? End(JsonElement link, string node, string suffix, string where, TopologyProblems problems)
    {
        var port = Int(link, "port" + suffix);
        var name = String(link, "intfName" + suffix);
        var macText = String(link, "addr" + suffix);
        if (port is not (>= 0 and <= 65535) || name is null || !MacAddress.TryParse(macText, out var mac))
        {
            problems.Add(where, $"the {node} end lacks port{suffix} (0-65535), intfName{suffix} or a valid addr{suffix} (MAC); re-create the file with p4run");
            return null;
        }
        if (Names.InterfaceProblem(name) is { } problem)
        {
            problems.Add(JsonLocator.Property(where, "intfName" + suffix), $"interface name {TerminalText.Quote(name)} is not allowed: {problem}; names are {Names.InterfaceRule}");
            return null;
        }
        Ipv4Interface? address = null;
        if (String(link, "ip" + suffix) is { } ipText)
        {
            if (ipText.Contains('/') && Ipv4Interface.TryParse(ipText, out var parsed)) address = parsed;
            else problems.Add(JsonLocator.Property(where, "ip" + suffix), $"{TerminalText.Quote(ipText)} is not an address with its prefix length (e.g. 20.1.2.1/24)");
        }
        return new FabricInterface(node, port.Value, name, mac, address);
    }

    /// <summary>The link's shaping options (bw, delay, loss, max_queue_size), each checked as the app config's are.</summary>
    private static LinkOptions Options(JsonElement link, string where, TopologyProblems problems)
    {
        double? bw = null, loss = null;
        string? delay = null;
        int? queue = null;
        if (link.TryGetProperty("bw", out var bwValue) && bwValue.ValueKind != JsonValueKind.Null)
        {
            if (bwValue.ValueKind == JsonValueKind.Number && bwValue.GetDouble() is > 0 and <= 100_000) bw = bwValue.GetDouble();
            else problems.Add(JsonLocator.Property(where, "bw"), "bw must be a number of Mbit/s above 0 (at most 100000)");
        }
        if (link.TryGetProperty("delay", out var delayValue) && delayValue.ValueKind != JsonValueKind.Null)
        {
            if (delayValue.ValueKind == JsonValueKind.String && Delays.IsValid(delayValue.GetString()!)) delay = delayValue.GetString();
            else problems.Add(JsonLocator.Property(where, "delay"), "delay must be a time such as \"2ms\", \"500us\" or \"0.5s\"");
        }
        if (link.TryGetProperty("loss", out var lossValue) && lossValue.ValueKind != JsonValueKind.Null)
        {
            if (lossValue.ValueKind == JsonValueKind.Number && lossValue.GetDouble() is >= 0 and <= 100) loss = lossValue.GetDouble();
            else problems.Add(JsonLocator.Property(where, "loss"), "loss must be a percentage from 0 to 100");
        }
        if (link.TryGetProperty("max_queue_size", out var queueValue) && queueValue.ValueKind != JsonValueKind.Null)
        {
            if (queueValue.ValueKind == JsonValueKind.Number && queueValue.TryGetInt32(out var q) && q is >= 1 and <= 1_000_000) queue = q;
            else problems.Add(JsonLocator.Property(where, "max_queue_size"), "max_queue_size must be a whole number of packets from 1 to 1000000");
        }
        // p4run records each link's weight (1 unless the app config set one); other weights are refused there too.
        if (link.TryGetProperty("weight", out var weightValue) && weightValue.ValueKind != JsonValueKind.Null
            && !(weightValue.ValueKind == JsonValueKind.Number && weightValue.GetDouble() == 1))
        {
            problems.Add(JsonLocator.Property(where, "weight"), "link weights other than 1 are not supported: lbdeploy routes by hop count with ECMP, as the course controller does; remove it");
        }
        return new LinkOptions(bw, delay, loss, queue);
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static bool Bool(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    private static int? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : null;

    private static double? Double(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
