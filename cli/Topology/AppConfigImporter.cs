using System.Collections.Immutable;
using Lb.Core.Addressing;
using Lbdeploy.Common;

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
        var problems = new TopologyProblems(source);
        Validate(config, problems);
        problems.ThrowIfAny();

        var deviceIds = config.Switches
            .Order(NaturalOrder.Instance)
            .Select((name, index) => (name, id: index + 1))
            .ToDictionary(x => x.name, x => x.id, StringComparer.Ordinal);
        var hostSet = config.Hosts.ToHashSet(StringComparer.Ordinal);
        var strategy = config.AssignmentStrategy;

        CheckRanges(config, strategy, deviceIds, problems);
        problems.ThrowIfAny();

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
        var fabric = new Fabric(source, [.. hosts.OrderBy(h => h.Name, NaturalOrder.Instance)], switches, [.. links]);
        FabricChecks.Check(fabric, problems, NodePath);
        problems.ThrowIfAny();
        return fabric;
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

    /// <summary>Where a node of an app config is declared: <c>topology.hosts.h1</c> or <c>topology.switches.t1</c>.</summary>
    private static string NodePath(Fabric fabric, string node) =>
        JsonLocator.Property(fabric.IsHost(node) ? "topology.hosts" : "topology.switches", node);

    private static void Validate(AppConfig config, TopologyProblems problems)
    {
        if (!AssignmentStrategies.Supported.Contains(config.AssignmentStrategy))
            problems.Add("topology.assignment_strategy", $"assignment_strategy {TerminalText.Quote(config.AssignmentStrategy)} is not supported; use one of: {string.Join(", ", AssignmentStrategies.Supported)}");
        var hosts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var host in config.Hosts)
        {
            var path = JsonLocator.Property("topology.hosts", host);
            if (!hosts.Add(host)) problems.Add(path, $"host {TerminalText.Quote(host)} is declared twice; remove one");
            if (P4UtilsAddressing.HostNumber(host) is null)
                problems.Add(path, $"host {TerminalText.Quote(host)} is not named hN (p4-utils derives the address from N); rename it, e.g. h{hosts.Count}");
            else if (P4UtilsAddressing.HostInterfaceName(host).Length > Names.MaxInterfaceLength)
                problems.Add(path, $"host name {TerminalText.Quote(host)} is too long: its interface {P4UtilsAddressing.HostInterfaceName(host)} would pass the kernel's {Names.MaxInterfaceLength} characters; use a shorter name");
        }
        var switches = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sw in config.Switches)
        {
            var path = JsonLocator.Property("topology.switches", sw);
            if (!switches.Add(sw)) problems.Add(path, $"switch {TerminalText.Quote(sw)} is declared twice; remove one");
            if (hosts.Contains(sw)) problems.Add(path, $"{TerminalText.Quote(sw)} is declared both as a host and as a switch; keep one");
        }
        if (switches.Count == 0) problems.Add("topology.switches", "no switches are declared; add a \"switches\" object");

        var hostLinkCount = new Dictionary<string, int>(StringComparer.Ordinal);
        var involved = new HashSet<string>(StringComparer.Ordinal); // hosts of refused links: their link count says nothing more
        var links = new Dictionary<(string, string), int>();
        var switchPorts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < config.Links.Length; i++)
        {
            var link = config.Links[i];
            var where = JsonLocator.Item("topology.links", i);
            var known = true;
            for (var end = 0; end < 2; end++)
            {
                var node = end == 0 ? link.Node1 : link.Node2;
                if (hosts.Contains(node) || switches.Contains(node)) continue;
                problems.Add(JsonLocator.Item(where, end), $"{TerminalText.Quote(node)} is neither a declared host nor a switch; declare it in \"hosts\" or \"switches\", or fix the name");
                known = false;
            }
            if (!known || link.Node1 == link.Node2 || (hosts.Contains(link.Node1) && hosts.Contains(link.Node2)))
            {
                involved.Add(link.Node1);
                involved.Add(link.Node2);
            }
            if (!known) continue;
            if (link.Node1 == link.Node2) { problems.Add(where, $"link [{link.Node1}, {link.Node2}] connects a node to itself; remove it"); continue; }
            if (hosts.Contains(link.Node1) && hosts.Contains(link.Node2)) { problems.Add(where, $"link [{link.Node1}, {link.Node2}] connects two hosts; connect hosts to switches"); continue; }
            var key = string.CompareOrdinal(link.Node1, link.Node2) < 0 ? (link.Node1, link.Node2) : (link.Node2, link.Node1);
            if (!links.TryAdd(key, i))
            {
                problems.Add(where, $"link [{link.Node1}, {link.Node2}] duplicates topology.links[{links[key]}] (p4-utils allows one link per pair); remove it");
                continue;
            }
            foreach (var node in new[] { link.Node1, link.Node2 })
            {
                if (hosts.Contains(node)) hostLinkCount[node] = hostLinkCount.GetValueOrDefault(node) + 1;
                else switchPorts[node] = switchPorts.GetValueOrDefault(node) + 1;
            }
        }
        foreach (var host in config.Hosts.Distinct())
        {
            var count = hostLinkCount.GetValueOrDefault(host);
            if (count == 0 && involved.Contains(host)) continue;
            if (count != 1) problems.Add(JsonLocator.Property("topology.hosts", host), $"host {TerminalText.Quote(host)} has {count} links; p4-utils attaches every host to exactly one switch");
        }
        foreach (var (sw, ports) in switchPorts)
        {
            var longest = P4UtilsAddressing.SwitchInterfaceName(sw, ports);
            if (longest.Length > Names.MaxInterfaceLength)
                problems.Add(JsonLocator.Property("topology.switches", sw), $"switch name {TerminalText.Quote(sw)} is too long for its {ports} ports: interface {longest} would pass the kernel's {Names.MaxInterfaceLength} characters; use a shorter name");
        }
    }

    private static void CheckRanges(AppConfig config, string strategy, IReadOnlyDictionary<string, int> deviceIds, TopologyProblems problems)
    {
        var fix = $"use assignment_strategy '{AssignmentStrategies.L3Wide}' (lbdeploy only) or a smaller fabric";
        string HostPath(string host) => JsonLocator.Property("topology.hosts", host);
        switch (strategy)
        {
            case AssignmentStrategies.L3:
                if (deviceIds.Count >= L3Limit)
                    problems.Add("topology.switches", $"{deviceIds.Count} switches exceed what l3 addressing allows (device ids must stay below {L3Limit}); {fix}");
                foreach (var host in config.Hosts.Where(h => P4UtilsAddressing.HostNumber(h) >= L3Limit))
                    problems.Add(HostPath(host), $"host {TerminalText.Quote(host)} has a number of {L3Limit} or more, which l3 addressing cannot encode; {fix}");
                break;
            case AssignmentStrategies.Mixed:
                foreach (var host in config.Hosts.Where(h => P4UtilsAddressing.HostNumber(h) is 0 or >= L3Limit))
                    problems.Add(HostPath(host), $"host {TerminalText.Quote(host)} needs a number from 1 to {L3Limit - 1} under mixed addressing; rename it");
                break;
            case AssignmentStrategies.L3Wide:
                foreach (var host in config.Hosts.Where(h => P4UtilsAddressing.HostNumber(h) > 0xFFFF))
                    problems.Add(HostPath(host), $"host {TerminalText.Quote(host)} has a number above 65535; rename it");
                if (config.Links.Length > 0xFFFF) problems.Add("topology.links", "more than 65535 links; split the fabric");
                break;
        }
    }
}
