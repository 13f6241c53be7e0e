using System.Collections.Immutable;
using System.Globalization;
using Lb.Core.Addressing;

namespace Lbdeploy.Topology;

/// <summary>
/// Builds the <see cref="Fabric"/> p4-utils would build from an app config (legacy p4-utils, AppTopoStrategies):
/// <list type="bullet">
/// <item>Switch device ids 1..n in natural name order (a1..a8, c1..c4, t1..t8 = 1..20); thrift port 9090 + id - 1.</item>
/// <item>Ports: links are added host links first (host as node1), then switch-to-switch links, each group in natural
/// order of (node1, node2); every node numbers its ports in that order, switches from 1, hosts from 0. This is the
/// legacy AppTopo rule ("links must be added in a sorted order so bmv2 port numbers are predictable") with the natural
/// order the course fixture shows (t5: h9 = port 1, h10 = port 2).</item>
/// <item>Addresses and MACs per strategy (see <see cref="AssignmentStrategies"/>); switch-to-switch MACs from
/// <see cref="P4UtilsAddressing.SwitchLinkMac"/>.</item>
/// </list>
/// </summary>
public static class AppConfigImporter
{
    private const int L3Limit = 254;

    public static Fabric Import(AppConfig config, string source)
    {
        var errors = Validate(config);
        if (errors.Count > 0) throw new TopologyException($"{source}: {string.Join("; ", errors)}");

        var deviceIds = config.Switches
            .Order(NaturalOrder.Instance)
            .Select((name, index) => (name, id: index + 1))
            .ToDictionary(x => x.name, x => x.id, StringComparer.Ordinal);
        var hostSet = config.Hosts.ToHashSet(StringComparer.Ordinal);
        var strategy = config.AssignmentStrategy;

        var rangeErrors = CheckRanges(config, strategy, deviceIds);
        if (rangeErrors.Count > 0) throw new TopologyException($"{source}: {string.Join("; ", rangeErrors)}");

        var ordered = OrderForPortAssignment(config.Links, hostSet);
        var nextPort = new Dictionary<string, int>(StringComparer.Ordinal);
        int TakePort(string node)
        {
            var port = nextPort.TryGetValue(node, out var p) ? p : hostSet.Contains(node) ? 0 : 1;
            nextPort[node] = port + 1;
            return port;
        }

        var hosts = new List<FabricHost>();
        var links = new List<FabricLink>();
        var switchLinkIndex = 0;
        foreach (var link in ordered)
        {
            var port1 = TakePort(link.Node1);
            var port2 = TakePort(link.Node2);
            if (hostSet.Contains(link.Node1))
            {
                var (host, hostEnd, switchEnd) = HostLink(link, port1, port2, strategy, deviceIds[link.Node2]);
                hosts.Add(host);
                links.Add(new FabricLink(hostEnd, switchEnd, link.Options));
            }
            else
            {
                switchLinkIndex++;
                var (ip1, ip2) = SwitchLinkAddresses(strategy, deviceIds[link.Node1], deviceIds[link.Node2], switchLinkIndex);
                var end1 = new FabricInterface(link.Node1, port1, P4UtilsAddressing.SwitchInterfaceName(link.Node1, port1),
                    P4UtilsAddressing.SwitchLinkMac(deviceIds[link.Node1], port1), ip1);
                var end2 = new FabricInterface(link.Node2, port2, P4UtilsAddressing.SwitchInterfaceName(link.Node2, port2),
                    P4UtilsAddressing.SwitchLinkMac(deviceIds[link.Node2], port2), ip2);
                links.Add(new FabricLink(end1, end2, link.Options));
            }
        }

        var switches = deviceIds
            .OrderBy(kv => kv.Value)
            .Select(kv => new FabricSwitch(kv.Key, kv.Value, P4UtilsAddressing.ThriftPortOf(kv.Value)))
            .ToImmutableArray();
        return new Fabric(source, [.. hosts.OrderBy(h => h.Name, NaturalOrder.Instance)], switches, [.. links]);
    }

    /// <summary>Host links first (host as node1), then switch links; each group in natural (node1, node2) order.</summary>
    internal static List<AppLink> OrderForPortAssignment(IEnumerable<AppLink> links, IReadOnlySet<string> hosts)
    {
        var hostLinks = new List<AppLink>();
        var switchLinks = new List<AppLink>();
        foreach (var link in links)
        {
            if (hosts.Contains(link.Node1)) hostLinks.Add(link);
            else if (hosts.Contains(link.Node2)) hostLinks.Add(link with { Node1 = link.Node2, Node2 = link.Node1 });
            else switchLinks.Add(link);
        }
        var comparer = Comparer<AppLink>.Create((x, y) =>
        {
            var first = NaturalOrder.Instance.Compare(x.Node1, y.Node1);
            return first != 0 ? first : NaturalOrder.Instance.Compare(x.Node2, y.Node2);
        });
        hostLinks.Sort(comparer);
        switchLinks.Sort(comparer);
        return [.. hostLinks, .. switchLinks];
    }

    private static (FabricHost Host, FabricInterface HostEnd, FabricInterface SwitchEnd) HostLink(
        AppLink link, int hostPort, int switchPort, string strategy, int switchId)
    {
        var hostName = link.Node1;
        var number = P4UtilsAddressing.HostNumber(hostName)!.Value;
        Ipv4Interface hostAddress;
        Ipv4Address gateway;
        Ipv4Interface? switchAddress;
        switch (strategy)
        {
            case AssignmentStrategies.L3:
                hostAddress = new Ipv4Interface(Octets(10, switchId, number, 2), 24);
                gateway = Octets(10, switchId, number, 1);
                switchAddress = new Ipv4Interface(gateway, 24);
                break;
            case AssignmentStrategies.L3Wide:
                hostAddress = new Ipv4Interface(Octets(10, number >> 8, number & 0xFF, 2), 24);
                gateway = Octets(10, number >> 8, number & 0xFF, 1);
                switchAddress = new Ipv4Interface(gateway, 24);
                break;
            default: // mixed
                hostAddress = new Ipv4Interface(Octets(10, switchId >> 8, switchId & 0xFF, number), 24);
                gateway = Octets(10, switchId >> 8, switchId & 0xFF, 254);
                switchAddress = null;
                break;
        }
        var hostMac = P4UtilsAddressing.MacFromAddress(hostAddress.Address, 0x00);
        var switchMac = P4UtilsAddressing.MacFromAddress(hostAddress.Address, 0x01);
        var hostInterface = P4UtilsAddressing.HostInterfaceName(hostName);
        var host = new FabricHost(hostName, hostAddress, gateway, hostMac, hostInterface);
        var hostEnd = new FabricInterface(hostName, hostPort, hostInterface, hostMac, hostAddress);
        var switchEnd = new FabricInterface(link.Node2, switchPort, P4UtilsAddressing.SwitchInterfaceName(link.Node2, switchPort), switchMac, switchAddress);
        return (host, hostEnd, switchEnd);
    }

    private static (Ipv4Interface?, Ipv4Interface?) SwitchLinkAddresses(string strategy, int id1, int id2, int linkIndex) => strategy switch
    {
        AssignmentStrategies.L3 => (new Ipv4Interface(Octets(20, id1, id2, 1), 24), new Ipv4Interface(Octets(20, id1, id2, 2), 24)),
        AssignmentStrategies.L3Wide => (new Ipv4Interface(Octets(20, linkIndex >> 8, linkIndex & 0xFF, 1), 24),
                                        new Ipv4Interface(Octets(20, linkIndex >> 8, linkIndex & 0xFF, 2), 24)),
        _ => (null, null),
    };

    private static Ipv4Address Octets(int a, int b, int c, int d) => new((uint)((a << 24) | (b << 16) | (c << 8) | d));

    private static List<string> Validate(AppConfig config)
    {
        var errors = new List<string>();
        if (!AssignmentStrategies.Supported.Contains(config.AssignmentStrategy))
            errors.Add($"assignment_strategy '{config.AssignmentStrategy}' is not supported (use one of: {string.Join(", ", AssignmentStrategies.Supported)})");

        var hosts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var host in config.Hosts)
        {
            if (!hosts.Add(host)) errors.Add($"host '{host}' is declared twice (remove one)");
            if (P4UtilsAddressing.HostNumber(host) is null)
                errors.Add($"host '{host}' is not named hN (p4-utils derives the address from N; rename it, e.g. h{hosts.Count})");
        }
        var switches = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sw in config.Switches)
        {
            if (!switches.Add(sw)) errors.Add($"switch '{sw}' is declared twice (remove one)");
            if (hosts.Contains(sw)) errors.Add($"'{sw}' is declared both as a host and as a switch (keep one)");
        }
        if (switches.Count == 0) errors.Add("no switches are declared (add a \"switches\" object)");

        var hostLinkCount = new Dictionary<string, int>(StringComparer.Ordinal);
        var pairs = new HashSet<(string, string)>();
        for (var i = 0; i < config.Links.Length; i++)
        {
            var link = config.Links[i];
            var where = $"link {i + 1} [{link.Node1}, {link.Node2}]";
            var known = true;
            foreach (var node in new[] { link.Node1, link.Node2 })
            {
                if (!hosts.Contains(node) && !switches.Contains(node))
                {
                    errors.Add($"{where} names '{node}', which is neither a declared host nor a switch (declare it or fix the name)");
                    known = false;
                }
            }
            if (!known) continue;
            if (link.Node1 == link.Node2) { errors.Add($"{where} connects a node to itself (remove it)"); continue; }
            if (hosts.Contains(link.Node1) && hosts.Contains(link.Node2)) { errors.Add($"{where} connects two hosts (connect hosts to switches)"); continue; }
            var key = string.CompareOrdinal(link.Node1, link.Node2) < 0 ? (link.Node1, link.Node2) : (link.Node2, link.Node1);
            if (!pairs.Add(key)) errors.Add($"{where} duplicates an earlier link between the same nodes (remove it)");
            foreach (var node in new[] { link.Node1, link.Node2 })
                if (hosts.Contains(node)) hostLinkCount[node] = hostLinkCount.GetValueOrDefault(node) + 1;
        }
        foreach (var host in config.Hosts.Distinct())
        {
            var count = hostLinkCount.GetValueOrDefault(host);
            if (count != 1) errors.Add($"host '{host}' has {count} links (p4-utils attaches every host to exactly one switch)");
        }
        return errors;
    }

    private static List<string> CheckRanges(AppConfig config, string strategy, IReadOnlyDictionary<string, int> deviceIds)
    {
        var errors = new List<string>();
        var fix = $"use assignment_strategy '{AssignmentStrategies.L3Wide}' (lbdeploy only) or a smaller fabric";
        switch (strategy)
        {
            case AssignmentStrategies.L3:
                if (deviceIds.Count >= L3Limit)
                    errors.Add($"{deviceIds.Count} switches exceed what l3 addressing allows (device ids must stay below {L3Limit}; {fix})");
                foreach (var host in config.Hosts.Where(h => P4UtilsAddressing.HostNumber(h) >= L3Limit))
                    errors.Add($"host '{host}' has a number of {L3Limit} or more, which l3 addressing cannot encode ({fix})");
                break;
            case AssignmentStrategies.Mixed:
                foreach (var host in config.Hosts.Where(h => P4UtilsAddressing.HostNumber(h) is 0 or >= L3Limit))
                    errors.Add($"host '{host}' needs a number from 1 to {L3Limit - 1} under mixed addressing (rename it)");
                break;
            case AssignmentStrategies.L3Wide:
                foreach (var host in config.Hosts.Where(h => P4UtilsAddressing.HostNumber(h) > 0xFFFF))
                    errors.Add($"host '{host}' has a number above 65535 (rename it)");
                if (config.Links.Length > 0xFFFF) errors.Add("more than 65535 links (split the fabric)");
                break;
        }
        if (errors.Count > 3) errors = [.. errors.Take(3), string.Create(CultureInfo.InvariantCulture, $"and {errors.Count - 3} more")];
        return errors;
    }
}
