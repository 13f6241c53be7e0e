using System.Collections.Immutable;
using System.Globalization;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Maglev;
using Lb.Core.Packets;
using Lbdeploy.Planning;
using Lbdeploy.Routing;
using Lbdeploy.Topology;
using Lbdeploy.Verification;

using Lbdeploy.Spec;
using Lbdeploy.Ecmp;

namespace Lbdeploy.Tracing;

/// <summary>
/// Predicts, from a <see cref="DeploymentPlan"/> alone, the path and headers of one client flow through the load
/// balancer: client -> (fabric ECMP) -> mux -> (Maglev) -> IP-in-IP tunnel -> DIP -> DSR reply -> client.
/// Forwarding follows the plan's routes with bmv2's longest-prefix match; the ECMP branch is the one p4/ecmp.p4
/// computes (crc16 over the 5-tuple) on bmv2, the kernel's (<see cref="KernelMultipath"/>) on linux and a marked
/// assumption on frr; the DIP is the one the mux's Maglev
/// table (Lb.Core, built from the mux's engine config in the plan) gives.
/// </summary>
public static class FlowTracer
{
    /// <summary>What hosts put in a fresh IPv4 header (Linux's default) and what the mux puts in the outer one.</summary>
    public const int InitialTtl = 64;

    public static FlowTrace Trace(DeploymentPlan plan, TraceRequest request) => Trace(plan, request, null);

    /// <summary>
    /// The trace with the frr target's ECMP branches that a live capture saw (<see cref="ObservedBranches"/>) instead of the
    /// assumed lowest ones: `trace --live` re-walks the path the packet really took before comparing headers.
    /// </summary>
    /// <param name="randomSeeds">linux target: why the switches' seeds are not the plan's (a kernel without
    /// fib_multipath_hash_seed keeps a random one), or null. Then the branches are observed or assumed, as on frr.</param>
    public static FlowTrace Trace(DeploymentPlan plan, TraceRequest request, ObservedBranches? observed, string? randomSeeds = null)
    {
        var fabric = plan.Fabric;
        var flow = ResolveFlow(plan, request);
        var bmv2 = plan.Target == Spec.SwitchTarget.Bmv2;
        // bmv2's and the linux target's branches are computed: a capture that differs is a difference to flag, never
        // an override. FRR's zebra orders the next hops it installs itself, so there the branch is observed or assumed.
        var computed = ComputesBranches(plan, randomSeeds);
        var walker = new PathWalker(plan, bmv2, computed ? null : observed, randomSeeds);
        var legs = ImmutableArray.CreateBuilder<TraceLeg>();
        var notes = ImmutableArray.CreateBuilder<string>();
        // The frr target forwards with the same Linux kernel multipath as the linux target; only who installs the routes differs.
        var kernel = plan.Target == Spec.SwitchTarget.Frr ? "linux kernel (routes from FRR)" : "linux";
        var ecmp = bmv2
            ? new TraceEcmp(true, "bmv2 (p4/ecmp.p4): member = crc16(src, dst, sport, dport, proto) of the packet (the inner one when tunnelled) mod the group's members, member -> branch (member / stride + member mod stride) mod branches (the plan's layout, see README); each branch shown is the one this flow takes")
            : computed
                ? new TraceEcmp(true, $"linux: the kernel's multipath hash (policy 3, fields {KernelMultipath.FieldsText}: the 5-tuple and, in the tunnel, the inner 5-tuple) " +
                    $"with each switch's pinned seed (from switches.hash_seed {plan.FabricHashSeed}), hash-threshold over the branches in route order; each branch shown is the one this flow takes (kernels from 6.11)")
            : randomSeeds is not null
                ? new TraceEcmp(false, $"linux: {randomSeeds}, so the switches hash with a random seed; every equal-cost branch is listed and the one the captured packet took is marked (observed)")
            : observed is not null
                ? new TraceEcmp(false, $"{kernel}: FRR orders the next hops it installs, which decides the kernel's branch; --live shows every equal-cost branch and marks the one the captured packet took (observed)")
                : new TraceEcmp(false, $"{kernel}: the switches' seeds are pinned, but FRR orders the next hops it installs and that order decides the branch; " +
                    "every equal-cost branch is listed and the first (lowest port) is assumed for the rest of the path (marked 'assumed')");

        var client = fabric.FindHost(flow.Client)!;
        var vip = plan.Service.Vip;
        var protocol = (byte)flow.ProtocolNumber;
        var icmp = protocol == IpProtocol.Icmp;

        // Leg 1: the client's packet to the VIP, routed to one of the muxes.
        var request1 = new TraceIp(flow.Source, flow.Vip, protocol, IpProtocol.Name(protocol), InitialTtl);
        var first = new TraceFrame(client.Interface, client.Mac.ToString(), "", null, request1,
            icmp ? null : flow.SourcePort, icmp ? null : flow.DestinationPort, icmp ? flow.SourcePort : null);
        var toMux = walker.Walk(TraceLegKinds.ToMux, $"client -> mux: {flow.Text}", client.Name, "a mux",
            RoutingTuple(first), first, null, "sends to the VIP");
        legs.Add(toMux);
        var mux = toMux.Hops[^1].Node;
        if (!toMux.Reached)
            return Finish(plan, flow, ecmp, legs, null, $"the packet never reaches a mux: {toMux.Outcome}", notes);

        // The mux: flow key and Maglev lookup exactly as lbengine does, from its own config file.
        var balancing = Balance(plan, mux, flow);
        if (balancing.Dip is null)
            return Finish(plan, flow, ecmp, legs, balancing, $"the mux {mux} drops the flow: {balancing.Reason}", notes);

        // Leg 2: the mux wraps the packet in an outer header to the DIP and sends it to its gateway.
        var muxHost = fabric.FindHost(mux)!;
        var dipHost = fabric.FindHost(balancing.Dip)!;
        var received = toMux.Hops[^1].Received!;
        var encapsulated = received with
        {
            Link = muxHost.Interface,
            EthernetSource = muxHost.Mac.ToString(),
            Outer = new TraceIp(muxHost.Address.Address.ToString(), dipHost.Address.Address.ToString(), IpProtocol.IpInIp, IpProtocol.Name(IpProtocol.IpInIp), InitialTtl),
        };
        var tunnel = walker.Walk(TraceLegKinds.Tunnel, $"tunnel mux -> DIP: IP-in-IP {muxHost.Name} -> {dipHost.Name}", mux, dipHost.Name,
            RoutingTuple(encapsulated), encapsulated, received,
            $"Maglev picks {balancing.Dip}; encapsulates (outer {encapsulated.Outer.Source} -> {encapsulated.Outer.Destination}, proto 4)");
        legs.Add(tunnel);
        if (!tunnel.Reached)
            return Finish(plan, flow, ecmp, legs, balancing, $"the tunnel never reaches {dipHost.Name}: {tunnel.Outcome}", notes);

        // Leg 3: the server answers from the VIP straight to the client (Direct Server Return).
        var reply = new TraceIp(flow.Vip, flow.Source, protocol, IpProtocol.Name(protocol), InitialTtl);
        var answer = new TraceFrame(dipHost.Interface, dipHost.Mac.ToString(), "", null, reply,
            icmp ? null : flow.DestinationPort, icmp ? null : flow.SourcePort, icmp ? flow.SourcePort : null);
        var delivered = tunnel.Hops[^1].Received!;
        var dsr = walker.Walk(TraceLegKinds.Reply, $"DSR reply DIP -> client: {dipHost.Name} answers from the VIP", dipHost.Name, client.Name,
            RoutingTuple(answer), answer, delivered with { Outer = null },
            icmp ? "agent decapsulates; the kernel answers the echo from the VIP" : "agent decapsulates; the server (bound to the VIP) answers");
        legs.Add(dsr);
        if (!dsr.Reached)
            return Finish(plan, flow, ecmp, legs, balancing, $"the reply never reaches {client.Name}: {dsr.Outcome}", notes);

        if (legs.Any(l => l.Hops.Any(h => h.Decision is { IsAssumed: true })))
            notes.Add(randomSeeds is null
                ? "frr target: ECMP branches marked 'assumed' may differ on the running network (FRR orders the next hops it installs)"
                : "linux target: ECMP branches marked 'assumed' were not seen on the wire and may differ (random seeds)");
        return Finish(plan, flow, ecmp, legs, balancing,
            $"{client.Name} -> {mux} (mux) -> {dipHost.Name} (DIP) -> {client.Name}: the reply reaches the client without the mux (DSR)", notes, complete: true);
    }

    private static FlowTrace Finish(DeploymentPlan plan, TraceFlow flow, TraceEcmp ecmp, ImmutableArray<TraceLeg>.Builder legs,
        TraceBalancing? balancing, string outcome, ImmutableArray<string>.Builder notes, bool complete = false) =>
        new(Path.GetFileName(plan.SpecPath), plan.Target.Name(), flow, ecmp, legs.ToImmutable(), balancing, complete, outcome, notes.ToImmutable());

    /// <summary>
    /// Whether the plan alone settles every ECMP branch: bmv2 (crc16) and the linux target (the kernel hash with the
    /// plan's seeds over the next hops in the order the plan's scripts install them).
    /// </summary>
    internal static bool ComputesBranches(DeploymentPlan plan, string? randomSeeds = null) =>
        plan.Target == Spec.SwitchTarget.Bmv2 || (plan.Target == Spec.SwitchTarget.Linux && randomSeeds is null);

    /// <summary>The tunnelled packet's 5-tuple, which the kernel hashes too (the inner fields); null when not tunnelled.</summary>
    internal static FlowTuple? InnerTuple(TraceFrame frame) =>
        frame.Outer is null ? null
            : new FlowTuple(Ipv4Address.Parse(frame.Inner.Source), Ipv4Address.Parse(frame.Inner.Destination), (byte)frame.Inner.Protocol,
                (ushort)(frame.SourcePort ?? 0), (ushort)(frame.DestinationPort ?? 0));

    /// <summary>
    /// What p4/ecmp.p4 hashes: the client's header (the inner one of a tunnelled packet) with its L4 ports (0 for
    /// ICMP), as its parser fills the flow metadata.
    /// </summary>
    internal static FlowTuple Bmv2HashedTuple(TraceFrame frame) =>
        new(Ipv4Address.Parse(frame.Inner.Source), Ipv4Address.Parse(frame.Inner.Destination), (byte)frame.Inner.Protocol,
            (ushort)(frame.SourcePort ?? 0), (ushort)(frame.DestinationPort ?? 0));

    /// <summary>The fields the fabric routes on: the outermost IPv4 header, with L4 ports only for TCP/UDP.</summary>
    internal static FlowTuple RoutingTuple(TraceFrame frame)
    {
        var ip = frame.Outer ?? frame.Inner;
        var ports = frame.Outer is null && frame.SourcePort is not null;
        return new FlowTuple(Ipv4Address.Parse(ip.Source), Ipv4Address.Parse(ip.Destination), (byte)ip.Protocol,
            ports ? (ushort)frame.SourcePort!.Value : (ushort)0, ports ? (ushort)frame.DestinationPort!.Value : (ushort)0);
    }

    private static TraceFlow ResolveFlow(DeploymentPlan plan, TraceRequest request)
    {
        var fabric = plan.Fabric;
        var clients = plan.Clients.Length > 0 ? $" (clients: {string.Join(' ', plan.Clients)})" : "";
        var host = fabric.FindHost(request.From)
            ?? throw new TraceException($"--from {request.From}: no such host in {Path.GetFileName(fabric.Source)}; trace from a client{clients}");
        if (plan.Muxes.Any(m => m.Host == host.Name))
            throw new TraceException($"--from {host.Name}: {host.Name} is a mux; trace from a client{clients}");
        if (plan.Dips.Any(d => d.Host == host.Name))
            throw new TraceException($"--from {host.Name}: {host.Name} is a DIP and holds the VIP itself; trace from a client{clients}");

        var service = plan.Service;
        var protocol = request.Protocol?.ToLowerInvariant()
            ?? service.Ports.FirstOrDefault()?.Protocol.Name()
            ?? (service.Icmp ? "icmp" : "tcp");
        if (!TraceRequest.Protocols.Contains(protocol))
            throw new TraceException($"--proto {request.Protocol}: not a protocol trace knows; use tcp, udp or icmp");

        var sourcePort = request.SourcePort ?? TraceRequest.DefaultSourcePort;
        if (sourcePort is < 0 or > ushort.MaxValue || (sourcePort == 0 && protocol != "icmp"))
            throw new TraceException($"--sport {sourcePort}: not a port; use 1-65535");

        var destinationPort = 0;
        if (protocol != "icmp")
        {
            destinationPort = request.DestinationPort
                ?? service.Ports.FirstOrDefault(p => p.Protocol.Name() == protocol)?.Port
                ?? throw new TraceException($"the VIP {service.Vip} serves no {protocol} port ({ServedPorts(service)}); give --dport or another --proto");
            if (destinationPort is < 1 or > ushort.MaxValue)
                throw new TraceException($"--dport {destinationPort}: not a port; use 1-65535");
        }
        var number = protocol switch { "tcp" => IpProtocol.Tcp, "udp" => IpProtocol.Udp, _ => IpProtocol.Icmp };
        return new TraceFlow(host.Name, protocol, number, host.Address.Address.ToString(), sourcePort, service.Vip.ToString(), destinationPort);
    }

    private static string ServedPorts(PlannedService service) =>
        service.Ports.IsEmpty ? "none" : string.Join(", ", service.Ports);

    /// <summary>
    /// The mux's decision, computed the way lbengine computes it: the engine config the plan gives it, the same flow
    /// key, the same seeded hash and the same Maglev table.
    /// </summary>
    private static TraceBalancing Balance(DeploymentPlan plan, string mux, TraceFlow flow)
    {
        var config = plan.Muxes.First(m => m.Host == mux).Engine;
        var source = Ipv4Address.Parse(flow.Source);
        var vipAddress = Ipv4Address.Parse(flow.Vip);
        var protocol = (byte)flow.ProtocolNumber;
        // The mux keys an echo by its identifier (FlowKeyExtractor) and TCP/UDP by the 5-tuple.
        var key = protocol == IpProtocol.Icmp
            ? FlowKey.Create(source, (ushort)flow.SourcePort, vipAddress, 0, protocol)
            : FlowKey.Create(source, (ushort)flow.SourcePort, vipAddress, (ushort)flow.DestinationPort, protocol);
        var hash = FlowHash.Compute(key, config.Hash.Seed);
        var size = config.Hash.TableSize;
        var seed = config.Hash.Seed;
        var keyText = key.ToString();

        var vip = config.Vips.FirstOrDefault(v => v.Address == vipAddress);
        string? refused = vip is null ? $"its config has no VIP {flow.Vip}"
            : protocol == IpProtocol.Icmp ? (vip.Icmp ? null : "ping to the VIP is not load-balanced (vip.icmp: false)")
            : vip.Serves(protocol == IpProtocol.Tcp ? TransportProtocol.Tcp : TransportProtocol.Udp, flow.DestinationPort) ? null
            : $"the VIP does not serve {flow.DestinationPort}/{flow.Protocol} (it serves {string.Join(", ", vip.Ports.Select(p => $"{p.Port}/{p.Protocol.ToString().ToLowerInvariant()}"))})";
        if (refused is not null) return new TraceBalancing(mux, keyText, hash, size, seed, null, null, null, null, refused);

        var table = config.BuildMaglevTable();
        var slot = (int)(hash % (uint)table.Size);
        var index = table.Lookup(hash);
        if (index < 0) return new TraceBalancing(mux, keyText, hash, size, seed, slot, null, null, null, "no DIP has weight (all drained)");
        var dip = table.Backends[index];
        var reason = string.Create(CultureInfo.InvariantCulture,
            $"FlowHash({keyText}, seed {seed}) = {hash}; slot {hash} mod {size} = {slot} belongs to {dip.Name} (weight {dip.Weight}, {table.SlotCounts()[index]} of {size} slots)");
        return new TraceBalancing(mux, keyText, hash, size, seed, slot, dip.Name, dip.Address.ToString(), dip.Weight, reason);
    }

    /// <summary>Follows one packet hop by hop through the plan's tables, rewriting its headers as each switch does.</summary>
    internal sealed class PathWalker(DeploymentPlan plan, bool bmv2, ObservedBranches? observed, string? randomSeeds = null)
    {
        private readonly ForwardingTables tables = new(plan.Forwarding);
        private readonly EcmpLayout layout = bmv2 ? EcmpLayout.Of(plan.Forwarding) : EcmpLayout.Plain;
        private readonly Fabric fabric = plan.Fabric;

        /// <param name="kind">The leg kind.</param>
        /// <param name="title">The leg's one-line title.</param>
        /// <param name="from">The sending host.</param>
        /// <param name="to">The host the leg should end at (a name, or a description such as "a mux").</param>
        /// <param name="tuple">What the fabric hashes for this packet.</param>
        /// <param name="sent">The frame the host sends (its destination MAC is filled in here: the gateway's).</param>
        /// <param name="received">What the sending host had received before (mux and DIP), for its box.</param>
        /// <param name="action">What the sending host does.</param>
        public TraceLeg Walk(string kind, string title, string from, string to, FlowTuple tuple, TraceFrame sent, TraceFrame? received, string action)
        {
            var host = fabric.FindHost(from)!;
            var gatewaySwitch = fabric.AttachmentOf(host);
            var hostEnd = fabric.InterfaceToward(host.Name, gatewaySwitch.Name);
            var switchEnd = fabric.InterfaceToward(gatewaySwitch.Name, host.Name);
            var frame = sent with { Link = hostEnd.Name, EthernetDestination = switchEnd.Mac.ToString() };
            var hops = ImmutableArray.CreateBuilder<TraceHop>();
            hops.Add(new TraceHop(host.Name, RoleOf(host.Name, kind, first: true), received is null ? null : Port(hostEnd), Port(hostEnd), null, received, frame, action));

            var hashed = bmv2 ? Bmv2HashedTuple(sent) : tuple;
            var visited = new HashSet<string>(StringComparer.Ordinal);
            var current = gatewaySwitch.Name;
            var ingress = switchEnd;
            while (true)
            {
                if (!visited.Add(current))
                    return Stop(hops, new TraceHop(current, TraceRoles.Switch, Port(ingress), null, null, frame, null, "loop: visited before"), $"forwarding loop at {current}");
                var route = tables.IndexOf(current) is { } index ? tables.Lookup(index, tuple.Destination) : null;
                if (route is null || route.NextHops.IsEmpty)
                    return Stop(hops, new TraceHop(current, TraceRoles.Switch, Port(ingress), null, null, frame, null, $"drops: no route to {tuple.Destination}"),
                        $"no route to {tuple.Destination} at {current}");

                var decision = Decide(route, hashed, frame, kind, current);
                var next = route.NextHops[decision.Chosen];
                var ip = frame.Outer ?? frame.Inner;
                var forwarded = frame with
                {
                    Link = next.Egress.Name,
                    // ecmp.p4's set_nhop moves the old destination (this switch's ingress MAC) to the source; a Linux
                    // router writes its egress interface's MAC.
                    EthernetSource = bmv2 ? frame.EthernetDestination : next.Egress.Mac.ToString(),
                    EthernetDestination = next.Ingress.Mac.ToString(),
                    Outer = frame.Outer is null ? null : ip with { Ttl = ip.Ttl - 1 },
                    Inner = frame.Outer is null ? ip with { Ttl = ip.Ttl - 1 } : frame.Inner,
                };
                hops.Add(new TraceHop(current, TraceRoles.Switch, Port(ingress), Port(next.Egress), decision, frame, forwarded,
                    decision.IsEcmp ? $"ECMP branch {decision.Chosen} of {decision.Branches.Length} to {next.Neighbor}" : $"forwards to {next.Neighbor}"));

                if (fabric.IsHost(next.Neighbor))
                {
                    var role = RoleOf(next.Neighbor, kind, first: false);
                    var expected = kind == TraceLegKinds.ToMux ? role == TraceRoles.Mux : next.Neighbor == to;
                    hops.Add(new TraceHop(next.Neighbor, role, Port(next.Ingress), null, null, forwarded, null, ArrivalAction(kind, role)));
                    return new TraceLeg(kind, title, from, to, hops.ToImmutable(), expected,
                        expected ? $"delivered to {next.Neighbor}" : $"delivered to {next.Neighbor}, not {to}");
                }
                current = next.Neighbor;
                ingress = next.Ingress;
                frame = forwarded;
            }

            TraceLeg Stop(ImmutableArray<TraceHop>.Builder builder, TraceHop last, string outcome)
            {
                builder.Add(last);
                return new TraceLeg(kind, title, from, to, builder.ToImmutable(), false, outcome);
            }
        }

        private TraceDecision Decide(Route route, FlowTuple tuple, TraceFrame frame, string legKind, string switchName)
        {
            var branches = route.NextHops.Select((hop, i) => new TraceBranch(i, hop.Neighbor, hop.Egress.Name, hop.Egress.Port, hop.Ingress.Mac.ToString())).ToImmutableArray();
            var prefix = route.Destination.ToString();
            var kind = Rendering.SwitchRules.KindName(route.Kind);
            if (!route.IsEcmp) return new TraceDecision(prefix, kind, branches, 0, true, null, "single next hop");
            if (observed?.Egress(legKind, switchName) is { } seen && branches.FirstOrDefault(b => b.Interface == seen) is { } taken)
            {
                return new TraceDecision(prefix, kind, branches, taken.Index, false, null, randomSeeds is null
                    ? $"kernel hash over next hops FRR orders itself: any of {branches.Length} branches; branch {taken.Index} observed on the wire"
                    : $"kernel hash with a random seed: any of {branches.Length} branches; branch {taken.Index} observed on the wire", Observed: true);
            }
            if (randomSeeds is not null)
            {
                return new TraceDecision(prefix, kind, branches, 0, false, null,
                    $"kernel hash with a random seed: any of {branches.Length} branches; assumed 0 (lowest port)");
            }
            if (plan.Target == Spec.SwitchTarget.Linux)
            {
                var seed = KernelMultipath.SwitchSeed(plan.FabricHashSeed, switchName);
                var inner = InnerTuple(frame);
                var hash = KernelMultipath.Hash(seed, tuple, inner);
                var branch = KernelMultipath.Select(hash, branches.Length);
                var hashed = inner is { } i
                    ? $"outer {tuple.Source} -> {tuple.Destination} proto {tuple.Protocol}, inner {i.Source}:{i.SourcePort} -> {i.Destination}:{i.DestinationPort} proto {i.Protocol}"
                    : $"{tuple.Source}:{tuple.SourcePort} -> {tuple.Destination}:{tuple.DestinationPort} proto {tuple.Protocol}";
                return new TraceDecision(prefix, kind, branches, branch, true, (int)hash, string.Create(CultureInfo.InvariantCulture,
                    $"kernel hash({hashed}; seed {seed}) = {hash}; hash-threshold over {branches.Length} branches = {branch}"));
            }
            if (!bmv2)
            {
                return new TraceDecision(prefix, kind, branches, 0, false, null,
                    $"kernel hash with the switch's pinned seed, over next hops FRR orders itself: any of {branches.Length} branches; assumed 0 (lowest port)");
            }
            var crc = tuple.Bmv2Crc16();
            var stride = layout.StrideOf(switchName, route);
            var members = EcmpLayout.Members(branches.Length, stride);
            var member = EcmpLayout.MemberOf(crc, branches.Length, stride);
            var chosen = EcmpLayout.NextHopOf(member, branches.Length, stride);
            var crcText = string.Create(CultureInfo.InvariantCulture,
                $"crc16({tuple.Source}, {tuple.Destination}, {tuple.SourcePort}, {tuple.DestinationPort}, {tuple.Protocol}) = {crc}");
            return new TraceDecision(prefix, kind, branches, chosen, true, crc, stride == 1
                ? string.Create(CultureInfo.InvariantCulture, $"{crcText}; {crc} mod {branches.Length} = {chosen}")
                : string.Create(CultureInfo.InvariantCulture, $"{crcText}; {crc} mod {members} members = {member}; member {member}, stride {stride}: ({member} / {stride} + {member} mod {stride}) mod {branches.Length} = {chosen}"));
        }

        private string RoleOf(string host, string kind, bool first)
        {
            if (plan.Muxes.Any(m => m.Host == host)) return TraceRoles.Mux;
            if (plan.Dips.Any(d => d.Host == host)) return TraceRoles.Dip;
            var isClient = (kind == TraceLegKinds.ToMux && first) || (kind == TraceLegKinds.Reply && !first);
            return isClient ? TraceRoles.Client : TraceRoles.Host;
        }

        private static string ArrivalAction(string kind, string role) => (kind, role) switch
        {
            (TraceLegKinds.ToMux, TraceRoles.Mux) => "mux captures the VIP packet",
            (TraceLegKinds.Tunnel, TraceRoles.Dip) => "agent strips the outer header",
            (TraceLegKinds.Reply, TraceRoles.Client) => "client receives the reply from the VIP",
            (TraceLegKinds.SecondChance, TraceRoles.Dip) => "agent strips the outer header; delivers if it holds the connection, else passes it on",
            _ => "receives the packet",
        };

        private static TracePort Port(FabricInterface end) =>
            new(end.Name, end.Port, end.Mac.ToString(), end.Address?.Address.ToString());
    }
}
