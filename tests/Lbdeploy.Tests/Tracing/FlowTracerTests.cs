using Lb.Core.Config;
using Lb.Core.Addressing;
using Lb.Core.Flows;
using Lb.Core.Maglev;
using Lb.Core.Packets;
using Lbdeploy.Planning;
using Lbdeploy.Routing;
using Lbdeploy.Spec;
using Lbdeploy.Tracing;
using Lbdeploy.Verification;
using Lbdeploy.Ecmp;

namespace Lbdeploy.Tests.Tracing;

/// <summary>
/// `trace` against the forwarding plan, re-derived independently: every hop's egress is one of its route's next hops,
/// links and MACs match the fabric, bmv2 branches are ecmp.p4's crc16 choice (and agree with ForwardingTracer), the
/// first leg ends at a mux, the DIP is Lb.Core Maglev's pick from the spec, the tunnel reaches it and the DSR reply
/// reaches the client. For every client, a few flows, both fabrics and both targets.
/// </summary>
public sealed class FlowTracerTests
{
    public static TheoryData<string, string, string, int> Flows()
    {
        var data = new TheoryData<string, string, string, int>();
        foreach (var name in TracePlans.Names)
        {
            var plan = TracePlans.Plan(name);
            foreach (var client in plan.Clients)
            {
                foreach (var port in plan.Service.Ports) data.Add(name, client, port.Protocol.Name(), 40000);
                data.Add(name, client, "tcp", 51234);
                data.Add(name, client, "tcp", 33333);
                if (plan.Service.Icmp) data.Add(name, client, "icmp", 4242);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Flows))]
    public void The_trace_follows_the_plan_from_client_to_dip_and_back(string name, string client, string protocol, int sourcePort)
    {
        var plan = TracePlans.Plan(name);
        var spec = TracePlans.Spec(name);
        var trace = FlowTracer.Trace(plan, new TraceRequest(client, protocol, sourcePort));

        Assert.True(trace.Complete, trace.Outcome);
        Assert.Equal([TraceLegKinds.ToMux, TraceLegKinds.Tunnel, TraceLegKinds.Reply], trace.Legs.Select(l => l.Kind));
        foreach (var leg in trace.Legs) AssertLegFollowsThePlan(plan, leg);

        // Leg 1 ends at a mux, along the path ForwardingTracer finds with the same selector.
        var toMux = trace.Leg(TraceLegKinds.ToMux)!;
        var mux = toMux.Hops[^1].Node;
        Assert.Contains(mux, spec.Muxes);
        Assert.Equal(client, toMux.Hops[0].Node);
        Assert.All(toMux.Hops.Skip(1).SkipLast(1), h => Assert.True(h.IsSwitch));

        // The DIP is the one Lb.Core's Maglev table (built here from the spec, not from the plan) gives the flow.
        var expected = ExpectedDip(spec, plan, client, trace.Flow);
        Assert.Equal(expected.Name, trace.Balancing!.Dip);
        Assert.Equal(expected.Address.ToString(), trace.Balancing.DipAddress);

        // The tunnel carries the client's packet inside mux -> DIP, proto 4, and ends at that DIP.
        var tunnel = trace.Leg(TraceLegKinds.Tunnel)!;
        Assert.Equal(mux, tunnel.Hops[0].Node);
        Assert.Equal(expected.Name, tunnel.Hops[^1].Node);
        var muxAddress = plan.Fabric.FindHost(mux)!.Address.Address.ToString();
        Assert.All(tunnel.Hops.Select(h => h.Seen!), f =>
        {
            Assert.Equal(muxAddress, f.Outer!.Source);
            Assert.Equal(expected.Address.ToString(), f.Outer.Destination);
            Assert.Equal(IpProtocol.IpInIp, f.Outer.Protocol);
            Assert.Equal(trace.Flow.Source, f.Inner.Source);
            Assert.Equal(trace.Flow.Vip, f.Inner.Destination);
        });

        // The reply leaves the DIP from the VIP and reaches the client without passing a mux.
        var reply = trace.Leg(TraceLegKinds.Reply)!;
        Assert.Equal(expected.Name, reply.Hops[0].Node);
        Assert.Equal(client, reply.Hops[^1].Node);
        Assert.DoesNotContain(reply.Hops, h => spec.Muxes.Contains(h.Node));
        Assert.All(reply.Hops.Select(h => h.Seen!), f =>
        {
            Assert.Null(f.Outer);
            Assert.Equal(trace.Flow.Vip, f.Inner.Source);
            Assert.Equal(trace.Flow.Source, f.Inner.Destination);
            if (protocol != "icmp")
            {
                Assert.Equal(trace.Flow.DestinationPort, f.SourcePort);
                Assert.Equal(trace.Flow.SourcePort, f.DestinationPort);
            }
        });

        var bmv2 = plan.Target == Lbdeploy.Spec.SwitchTarget.Bmv2;
        var linux = plan.Target == Lbdeploy.Spec.SwitchTarget.Linux;
        Assert.Equal(bmv2 || linux, trace.Ecmp.Predicted);
        foreach (var leg in trace.Legs)
        {
            var first = leg.Hops[0].Sent!;
            var tuple = Tuple(first);
            var inner = FlowTracer.InnerTuple(first);
            // What ecmp.p4 hashes: the client's header, the inner one in the tunnel.
            var hashed = new FlowTuple(Ipv4Address.Parse(first.Inner.Source), Ipv4Address.Parse(first.Inner.Destination), (byte)first.Inner.Protocol,
                (ushort)(first.SourcePort ?? 0), (ushort)(first.DestinationPort ?? 0));
            var layout = EcmpLayout.Of(plan.Forwarding);
            var bmv2Choice = ForwardingTracer.Bmv2With(plan.Forwarding, layout, tuple.Destination);
            // bmv2: ecmp.p4's crc16 choice with the plan's member layout. linux: the kernel's hash with the switch's
            // seed over the outer and inner 5-tuples. frr: the first branch, marked as an assumption.
            int Expected(string switchName, FlowTuple flow, int branches) =>
                bmv2 ? bmv2Choice(switchName, hashed, branches)
                : linux ? KernelMultipath.Select(KernelMultipath.Hash(KernelMultipath.SwitchSeed(plan.FabricHashSeed, switchName), flow, inner), branches)
                : 0;
            foreach (var hop in leg.Hops.Where(h => h.Decision is { IsEcmp: true }))
            {
                var decision = hop.Decision!;
                Assert.Equal(bmv2 || linux, decision.Predicted);
                var route = plan.Forwarding.For(hop.Node).Routes.First(r => r.Destination.ToString() == decision.Prefix);
                Assert.Equal(bmv2 ? hashed.Bmv2EcmpIndex(decision.Branches.Length, layout.StrideOf(hop.Node, route)) : Expected(hop.Node, tuple, decision.Branches.Length),
                    decision.Chosen);
            }
            // The same path as the verifier's tracer with the same branch choices.
            var traced = ForwardingTracer.Trace(plan.Forwarding, leg.From, tuple, Expected);
            Assert.Equal(traced.Nodes, leg.Hops.Select(h => h.Node));
        }
    }

    [Theory]
    [InlineData("fattree-bmv2")]
    [InlineData("leafspine-bmv2")]
    public void Bmv2_flows_spread_over_every_mux_and_every_weighted_dip(string name)
    {
        var plan = TracePlans.Plan(name);
        var traces = plan.Clients.SelectMany(c => Enumerable.Range(0, 24).Select(p => FlowTracer.Trace(plan, new TraceRequest(c, "tcp", 40000 + p)))).ToList();
        Assert.All(traces, t => Assert.True(t.Complete, t.Outcome));
        Assert.Equal(plan.Muxes.Select(m => m.Host).Order(), traces.Select(t => t.Balancing!.Mux).Distinct().Order());
        Assert.Equal(plan.Dips.Where(d => d.Weight > 0).Select(d => d.Host).Order(), traces.Select(t => t.Balancing!.Dip!).Distinct().Order());
    }

    [Fact]
    public void Defaults_are_the_first_vip_port_and_source_port_40000()
    {
        var trace = FlowTracer.Trace(TracePlans.Plan("leafspine-bmv2"), new TraceRequest("h7"));
        Assert.Equal(("tcp", 40000, 80), (trace.Flow.Protocol, trace.Flow.SourcePort, trace.Flow.DestinationPort));
        var udp = FlowTracer.Trace(TracePlans.Plan("leafspine-bmv2"), new TraceRequest("h7", "udp"));
        Assert.Equal(53, udp.Flow.DestinationPort);
    }

    [Fact]
    public void Bmv2_switches_write_the_ingress_mac_as_source_and_linux_routers_their_egress_mac()
    {
        foreach (var name in new[] { "fattree-bmv2", "fattree-linux" })
        {
            var trace = FlowTracer.Trace(TracePlans.Plan(name), new TraceRequest("h3"));
            foreach (var hop in trace.Legs.SelectMany(l => l.Hops).Where(h => h.IsSwitch))
            {
                Assert.Equal(hop.Ingress!.Mac, hop.Received!.EthernetDestination);
                Assert.Equal(name.EndsWith("bmv2", StringComparison.Ordinal) ? hop.Ingress.Mac : hop.Egress!.Mac, hop.Sent!.EthernetSource);
            }
        }
    }

    [Fact]
    public void A_port_the_vip_does_not_serve_stops_at_the_mux_with_the_reason()
    {
        var trace = FlowTracer.Trace(TracePlans.Plan("fattree-bmv2"), new TraceRequest("h3", "tcp", 40000, 8080));
        Assert.False(trace.Complete);
        Assert.Single(trace.Legs);
        Assert.Null(trace.Balancing!.Dip);
        Assert.Contains("does not serve 8080/tcp", trace.Balancing.Reason, StringComparison.Ordinal);
        Assert.Contains("drops", trace.Outcome, StringComparison.Ordinal);
    }

    [Fact]
    public void A_drained_dip_gets_no_new_flow()
    {
        var plan = TracePlans.Plan("leafspine-bmv2");
        var drained = plan.Dips.Single(d => d.Weight == 0).Host;
        var dips = plan.Clients.SelectMany(c => Enumerable.Range(0, 50).Select(p => FlowTracer.Trace(plan, new TraceRequest(c, "tcp", 41000 + p)).Balancing!.Dip));
        Assert.DoesNotContain(drained, dips);
    }

    [Theory]
    [InlineData("h99", "no such host")]
    [InlineData("h13", "is a DIP")]
    [InlineData("h1", "is a mux")]
    public void Tracing_from_a_host_that_is_not_a_client_says_why(string from, string expected)
    {
        var error = Assert.Throws<TraceException>(() => FlowTracer.Trace(TracePlans.Plan("fattree-linux"), new TraceRequest(from)));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains("trace from a client (clients: h3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_protocol_the_vip_has_no_port_for_needs_an_explicit_port()
    {
        var error = Assert.Throws<TraceException>(() => FlowTracer.Trace(TracePlans.Plan("fattree-linux"), new TraceRequest("h3", "udp")));
        Assert.Contains("serves no udp port (80/tcp); give --dport", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Each hop against the plan's route at that switch and the fabric's links, MACs and TTLs.</summary>
    private static void AssertLegFollowsThePlan(DeploymentPlan plan, TraceLeg leg)
    {
        Assert.True(leg.Reached, leg.Outcome);
        var fabric = plan.Fabric;
        for (var i = 0; i < leg.Hops.Length - 1; i++)
        {
            var hop = leg.Hops[i];
            var next = leg.Hops[i + 1];
            var sent = hop.Sent!;
            Assert.Same(sent, next.Received);
            // The link: this hop's egress faces the next node, whose ingress is the other end.
            Assert.Equal(fabric.InterfaceToward(hop.Node, next.Node).Name, hop.Egress!.Interface);
            Assert.Equal(fabric.InterfaceToward(next.Node, hop.Node).Name, next.Ingress!.Interface);
            Assert.Equal(hop.Egress.Interface, sent.Link);
            Assert.Equal(next.Ingress.Mac, sent.EthernetDestination);
            if (!hop.IsSwitch)
            {
                Assert.Equal(0, i);
                Assert.Equal(fabric.FindHost(hop.Node)!.Mac.ToString(), sent.EthernetSource);
                continue;
            }

            // The switch's longest-prefix route for the outermost destination; the egress is one of its next hops.
            var ip = sent.Outer ?? sent.Inner;
            var destination = Ipv4Address.Parse(ip.Destination);
            var route = plan.Forwarding.For(hop.Node).Routes.Where(r => r.Destination.Contains(destination)).MaxBy(r => r.Destination.Length)!;
            Assert.Equal(route.Destination.ToString(), hop.Decision!.Prefix);
            Assert.Contains(hop.Egress.Interface, route.NextHops.Select(n => n.Egress.Name));
            Assert.Equal(route.NextHops.Select(n => n.Neighbor), hop.Decision.Branches.Select(b => b.Neighbor));
            Assert.Equal(next.Node, route.NextHops[hop.Decision.Chosen].Neighbor);
            var received = hop.Received!.Outer ?? hop.Received.Inner;
            Assert.Equal(received.Ttl - 1, ip.Ttl);
        }
        Assert.Null(leg.Hops[^1].Sent);
        Assert.False(leg.Hops[^1].IsSwitch);
    }

    private static FlowTuple Tuple(TraceFrame frame)
    {
        var ip = frame.Outer ?? frame.Inner;
        var transport = frame.Outer is null && ip.Protocol is IpProtocol.Tcp or IpProtocol.Udp;
        return new FlowTuple(Ipv4Address.Parse(ip.Source), Ipv4Address.Parse(ip.Destination), (byte)ip.Protocol,
            transport ? (ushort)frame.SourcePort!.Value : (ushort)0, transport ? (ushort)frame.DestinationPort!.Value : (ushort)0);
    }

    private static MaglevBackend ExpectedDip(LbSpec spec, DeploymentPlan plan, string client, TraceFlow flow)
    {
        var backends = spec.Dips.Select(d => new MaglevBackend(d.Host, plan.Fabric.FindHost(d.Host)!.Address.Address, d.Weight)).ToArray();
        var table = MaglevTable.Build(backends, spec.Engine.Hash.TableSize, spec.Engine.Hash.Seed);
        var source = plan.Fabric.FindHost(client)!.Address.Address;
        var key = flow.Protocol == "icmp"
            ? FlowKey.Create(source, (ushort)flow.SourcePort, spec.Vip.Address, 0, IpProtocol.Icmp)
            : FlowKey.Create(source, (ushort)flow.SourcePort, spec.Vip.Address, (ushort)flow.DestinationPort, (byte)flow.ProtocolNumber);
        return table.Lookup(key)!;
    }
}
