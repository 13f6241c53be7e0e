using System.Collections.Frozen;
using System.Collections.Immutable;
using Lb.Core.Addressing;

namespace Lbdeploy.Topology;

/// <summary>
/// The network as p4-utils builds it: hosts, switches and point-to-point links with the port numbers, interface
/// names, MACs and addresses p4-utils assigns. Immutable; built by <c>AppConfigImporter</c> (p4-utils app json) or
/// <c>TopologyJsonImporter</c> (the topology.json p4run writes). Every later stage reads this and nothing else.
/// </summary>
public sealed record Fabric
{
    public Fabric(string source, ImmutableArray<FabricHost> hosts, ImmutableArray<FabricSwitch> switches, ImmutableArray<FabricLink> links)
    {
        Source = source;
        Hosts = hosts;
        Switches = switches;
        Links = links;
        hostsByName = hosts.ToFrozenDictionary(h => h.Name, StringComparer.Ordinal);
        switchesByName = switches.ToFrozenDictionary(s => s.Name, StringComparer.Ordinal);
        linksByNode = links
            .SelectMany(l => new[] { (l.A.Node, l), (l.B.Node, l) })
            .GroupBy(x => x.Node, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(x => x.l).OrderBy(l => l.End(g.Key).Port).ToImmutableArray(), StringComparer.Ordinal);
    }

    /// <summary>Where the model came from (a file path), for messages.</summary>
    public string Source { get; }

    /// <summary>Hosts in natural name order (h1, h2, ..., h10).</summary>
    public ImmutableArray<FabricHost> Hosts { get; }

    /// <summary>Switches in natural name order, which is also device-id order.</summary>
    public ImmutableArray<FabricSwitch> Switches { get; }

    public ImmutableArray<FabricLink> Links { get; }

    private readonly FrozenDictionary<string, FabricHost> hostsByName;
    private readonly FrozenDictionary<string, FabricSwitch> switchesByName;
    private readonly FrozenDictionary<string, ImmutableArray<FabricLink>> linksByNode;

    public FabricHost? FindHost(string name) => hostsByName.GetValueOrDefault(name);

    public FabricSwitch? FindSwitch(string name) => switchesByName.GetValueOrDefault(name);

    public bool IsHost(string name) => hostsByName.ContainsKey(name);

    public bool IsSwitch(string name) => switchesByName.ContainsKey(name);

    /// <summary>The links of a node, ordered by its port number.</summary>
    public ImmutableArray<FabricLink> LinksOf(string node) => linksByNode.GetValueOrDefault(node, ImmutableArray<FabricLink>.Empty);

    /// <summary>The switch a host is attached to (hosts have exactly one link).</summary>
    public FabricSwitch AttachmentOf(FabricHost host)
    {
        var link = LinksOf(host.Name).Single();
        return switchesByName[link.Peer(host.Name).Node];
    }

    /// <summary>The link end of <paramref name="node"/> facing <paramref name="neighbor"/>.</summary>
    public FabricInterface InterfaceToward(string node, string neighbor) =>
        LinksOf(node).First(l => l.Peer(node).Node == neighbor).End(node);
}

/// <summary>A host: one interface (hN-eth0), one address, a default route to its switch.</summary>
public sealed record FabricHost(string Name, Ipv4Interface Address, Ipv4Address Gateway, MacAddress Mac, string Interface);

/// <summary>A switch: its p4-utils device id and the bmv2 thrift port (9090 + id - 1 by default).</summary>
public sealed record FabricSwitch(string Name, int DeviceId, int ThriftPort);

/// <summary>One end of a link: node, port number, interface name, MAC and (when assigned) address.</summary>
public sealed record FabricInterface(string Node, int Port, string Name, MacAddress Mac, Ipv4Interface? Address);

/// <summary>Link options from the app config that mininet's TCLink understands.</summary>
public sealed record LinkOptions(double? BandwidthMbps = null, string? Delay = null, double? LossPercent = null, int? MaxQueueSize = null)
{
    public static readonly LinkOptions None = new();
}

/// <summary>A point-to-point link; A is node1 of p4-utils' topology.json, B is node2.</summary>
public sealed record FabricLink(FabricInterface A, FabricInterface B, LinkOptions Options)
{
    public FabricInterface End(string node) =>
        A.Node == node ? A : B.Node == node ? B : throw new ArgumentException($"{node} is not an end of link {A.Node}-{B.Node}", nameof(node));

    public FabricInterface Peer(string node) =>
        A.Node == node ? B : B.Node == node ? A : throw new ArgumentException($"{node} is not an end of link {A.Node}-{B.Node}", nameof(node));
}
