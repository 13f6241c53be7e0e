using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Lbdeploy.Tracing;

// The model of `lbdeploy trace`: what one flow does in the fabric, predicted from the plan alone. Built by
// FlowTracer; formatted by templates/trace.txt.sbn and trace.svg.sbn and serialized as is by --json. Every
// address and MAC is text, as it would appear in a capture, so a live capture (`trace --live`, LiveTracer) can be laid
// beside it: each frame names the interface it crosses (TraceFrame.Link), where tcpdump would see it.

/// <summary>
/// The whole trace: the flow, the three legs (client -> mux, the IP-in-IP tunnel mux -> DIP, the Direct Server
/// Return reply DIP -> client) as far as they go, and the mux's Maglev decision between the first two.
/// </summary>
public sealed record FlowTrace(
    string Spec,
    string Target,
    TraceFlow Flow,
    TraceEcmp Ecmp,
    ImmutableArray<TraceLeg> Legs,
    TraceBalancing? Balancing,
    bool Complete,
    string Outcome,
    ImmutableArray<string> Notes)
{
    public TraceLeg? Leg(string kind) => Legs.FirstOrDefault(l => l.Kind == kind);

    /// <summary>`trace --live`: what one real packet of the flow looked like at each hop, beside the prediction.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TraceLive? Live { get; init; }

    /// <summary>The plan has the second chance on: what it does for this flow (<see cref="SecondChanceTrace"/>); null when off.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public TraceSecondChance? SecondChance { get; init; }
}

/// <summary>
/// The traced flow as the client sends it. For ICMP, <see cref="SourcePort"/> is the echo identifier (what the mux
/// hashes) and <see cref="DestinationPort"/> is 0.
/// </summary>
public sealed record TraceFlow(string Client, string Protocol, int ProtocolNumber, string Source, int SourcePort, string Vip, int DestinationPort)
{
    public string Text => Protocol == "icmp"
        ? $"icmp echo {Source} -> {Vip} (id {SourcePort})"
        : $"{Protocol} {Source}:{SourcePort} -> {Vip}:{DestinationPort}";
}

/// <summary>How equal-cost branches are chosen on this target, and whether the choice below is the real one.</summary>
public sealed record TraceEcmp(bool Predicted, string Explanation);

/// <summary>Leg kinds (also the CSS classes of the picture).</summary>
public static class TraceLegKinds
{
    public const string ToMux = "to-mux";
    public const string Tunnel = "tunnel";
    public const string Reply = "reply";
    /// <summary>A DIP's agent passes a non-SYN segment of a connection it does not hold to an earlier owner (the second chance).</summary>
    public const string SecondChance = "second-chance";
}

/// <summary>
/// One leg: the hops from <see cref="From"/> to where the packet ended (<see cref="Reached"/> tells whether that is
/// the intended host <see cref="To"/>); <see cref="Outcome"/> says what happened in one line.
/// </summary>
public sealed record TraceLeg(string Kind, string Title, string From, string To, ImmutableArray<TraceHop> Hops, bool Reached, string Outcome);

/// <summary>
/// One node the packet visits. <see cref="Received"/> is the frame as it arrives on <see cref="Ingress"/> (none at the
/// leg's first host), <see cref="Sent"/> the frame it sends on <see cref="Egress"/> (none at the last node).
/// <see cref="Decision"/>: at a switch, the route it matched and the branch it took.
/// </summary>
public sealed record TraceHop(
    string Node,
    string Role,
    TracePort? Ingress,
    TracePort? Egress,
    TraceDecision? Decision,
    TraceFrame? Received,
    TraceFrame? Sent,
    string Action)
{
    public bool IsSwitch => Role == TraceRoles.Switch;

    /// <summary>The frame to show for this hop: what it sends, or what it received when it sends nothing.</summary>
    [JsonIgnore]
    public TraceFrame? Seen => Sent ?? Received;
}

public static class TraceRoles
{
    public const string Client = "client";
    public const string Switch = "switch";
    public const string Mux = "mux";
    public const string Dip = "dip";
    public const string Host = "host";
}

/// <summary>An interface of a node: name (as in the fabric), port number, MAC and address (if any).</summary>
public sealed record TracePort(string Interface, int Port, string Mac, string? Address);

/// <summary>
/// A switch's forwarding decision: the longest-prefix route that matched, its equal-cost branches (in the order
/// the plan installs them: bmv2 member index), the branch taken and why. <see cref="Predicted"/> is false when the
/// plan alone does not settle the branch (frr: FRR orders the next hops): the branch is then the one a live capture saw
/// (<see cref="Observed"/>) or an assumption, chosen deterministically. <see cref="Hash"/> is bmv2's crc16 of the flow,
/// or on linux the kernel's 31-bit multipath hash, when the route is ECMP.
/// </summary>
public sealed record TraceDecision(string Prefix, string RouteKind, ImmutableArray<TraceBranch> Branches, int Chosen, bool Predicted, int? Hash, string Reason,
    bool Observed = false)
{
    public bool IsEcmp => Branches.Length > 1;

    /// <summary>An frr ECMP branch that neither the plan nor a capture settled.</summary>
    public bool IsAssumed => IsEcmp && !Predicted && !Observed;
}

/// <summary>One equal-cost branch: the neighbour, this switch's egress interface and the MAC written as destination.</summary>
public sealed record TraceBranch(int Index, string Neighbor, string Interface, int Port, string NextHopMac);

/// <summary>
/// The headers of one frame on one link: Ethernet, the outer IPv4 header on the tunnel leg (proto 4), the inner
/// (client's) IPv4 header, and the transport ports (or the ICMP echo identifier). <see cref="Link"/> names the
/// interface that sends it.
/// </summary>
public sealed record TraceFrame(string Link, string EthernetSource, string EthernetDestination, TraceIp? Outer, TraceIp Inner, int? SourcePort, int? DestinationPort, int? EchoIdentifier)
{
    /// <summary>The second-chance option in the outer header: the alternates it names, newest first; null: no option.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ImmutableArray<string>? SecondChanceOption { get; init; }

    [JsonIgnore]
    public string OptionText => SecondChanceOption is { } alternates ? $"option second-chance {string.Join(' ', alternates)}" : "";

    public string Ports => EchoIdentifier is { } id ? $"echo id {id}" : SourcePort is null ? "" : $"{SourcePort} -> {DestinationPort}";
}

/// <summary>An IPv4 header: addresses, protocol (number and name) and TTL.</summary>
public sealed record TraceIp(string Source, string Destination, int Protocol, string ProtocolName, int Ttl);

/// <summary>
/// The mux's choice: the flow key and hash it computes (Lb.Core's FlowHash with the spec's seed), the Maglev slot
/// (hash mod table size) and the DIP owning it, built from the mux's own rendered engine config. <see cref="Dip"/>
/// is null when the mux drops the flow (<see cref="Reason"/> says why).
/// </summary>
public sealed record TraceBalancing(
    string Mux,
    string FlowKey,
    uint FlowHash,
    int TableSize,
    uint Seed,
    int? Slot,
    string? Dip,
    string? DipAddress,
    int? DipWeight,
    string Reason);

/// <summary>
/// The second chance for this flow: a TCP segment that is not a SYN reaches <see cref="Dip"/> with the earlier owners
/// of its Maglev slot in the outer header, and an agent that does not hold the connection passes it to the first of
/// them that is its peer. <see cref="Mux"/> is the mux asked (`lookup`) and <see cref="Alternates"/> its answer (empty
/// when the slot has not moved, or the mux could not be asked: <see cref="Summary"/> says which); <see cref="Peers"/>
/// are the DIPs <see cref="Dip"/>'s agent may pass packets to (its config's second_chance.peers).
/// </summary>
public sealed record TraceSecondChance(string Dip, string? Mux, ImmutableArray<TraceAlternate> Alternates, ImmutableArray<string> Peers, string Summary);

/// <summary>An earlier owner the mux names: the DIP (null when no longer a DIP), its address, how long ago its table was replaced.</summary>
public sealed record TraceAlternate(string? Dip, string Address, long ReplacedMsAgo);
