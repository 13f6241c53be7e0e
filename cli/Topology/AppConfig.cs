using System.Collections.Immutable;

namespace Lbdeploy.Topology;

/// <summary>
/// The "topology" section of a p4-utils app config (p4app.json) as far as addressing and wiring go: which nodes exist,
/// how they are linked (node1 is the first node named in the link) and how p4-utils assigns addresses.
/// Built by <see cref="FabricLoader"/> from a file, or in memory by <see cref="FabricGenerators"/>.
/// </summary>
public sealed record AppConfig(
    string AssignmentStrategy,
    ImmutableArray<string> Hosts,
    ImmutableArray<string> Switches,
    ImmutableArray<AppLink> Links,
    string P4Source = "p4src/ecmp.p4");

/// <summary>One entry of "links": [node1, node2, {options}].</summary>
public sealed record AppLink(string Node1, string Node2, LinkOptions Options);

/// <summary>The assignment strategies the importer understands.</summary>
public static class AssignmentStrategies
{
    /// <summary>p4-utils l3: host hN on switch id S gets 10.S.N.2/24 via 10.S.N.1; switch links 20.A.B.1/2.</summary>
    public const string L3 = "l3";

    /// <summary>p4-utils mixed: host hN on switch id S gets 10.0.S.N/24 via 10.0.S.254; switch links unaddressed.</summary>
    public const string Mixed = "mixed";

    /// <summary>
    /// lbdeploy only (p4-utils cannot run it): like l3 but without l3's limit of 253 switches and host numbers, for
    /// large generated fabrics (k=16 fat tree). Host hN gets 10.(N/256).(N%256).2/24 via .1 and the i-th switch link
    /// (in port-assignment order, from 1) gets 20.(i/256).(i%256).1 and .2.
    /// </summary>
    public const string L3Wide = "l3-wide";

    public static readonly ImmutableArray<string> Supported = [L3, Mixed, L3Wide];
}
