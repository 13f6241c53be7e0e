using Lbdeploy.Tracing;

namespace Lbdeploy.Tests.Tracing;

/// <summary>The parts of `trace --live` that need no network: reading tcpdump, where to capture, re-walking observed branches, comparing.</summary>
public sealed class LiveTracerTests
{
    // A real capture (tcpdump -i h16-eth0 -Q in -n -e -XX) of the tunnel leg of h3's SYN on the course fat tree.
    private const string TunnelCapture = """
        01:06:13.841034 00:01:0a:14:10:02 > 00:00:0a:14:10:02, ethertype IPv4 (0x0800), length 74: 10.13.2.2 > 10.20.16.2: 10.14.3.2.40000 > 20.0.0.1.80: Flags [S], seq 1, win 64240, length 0
        	0x0000:  0000 0a14 1002 0001 0a14 1002 0800 4500  ..............E.
        	0x0010:  003c 00be 4000 3b04 18dc 0a0d 0202 0a14  .<..@.;.........
        	0x0020:  1002 4500 0028 55cd 4000 3d06 c6f2 0a0e  ..E..(U.@.=.....
        	0x0030:  0302 1400 0001 9c40 0050 0000 0001 0000  .......@.P......
        	0x0040:  0000 5002 faf0 f74f 0000                 ..P....O..
        """;

    [Fact]
    public void Reads_every_header_of_a_captured_tunnel_frame()
    {
        var bytes = Assert.Single(TcpdumpHex.Frames(TunnelCapture));
        Assert.Equal(74, bytes.Length);
        var frame = TcpdumpHex.Parse(bytes, "h16-eth0")!;
        Assert.Equal("00:01:0a:14:10:02", frame.EthernetSource);
        Assert.Equal("00:00:0a:14:10:02", frame.EthernetDestination);
        Assert.Equal(new TraceIp("10.13.2.2", "10.20.16.2", 4, "ipip", 59), frame.Outer);
        Assert.Equal(new TraceIp("10.14.3.2", "20.0.0.1", 6, "tcp", 61), frame.Inner);
        Assert.Equal("40000 -> 80", frame.Ports);
    }

    [Fact]
    public void Captures_on_every_equal_cost_branch_every_mux_and_every_dip()
    {
        var plan = TracePlans.Plan("fattree-linux");
        var flow = FlowTracer.Trace(plan, new TraceRequest("h3")).Flow;
        var points = LiveTracer.CapturePoints(plan, flow);
        Assert.Contains(("h3", "h3-eth0", "out"), points.Keys);
        Assert.Contains(("t2", "t2-eth3", "out"), points.Keys);
        Assert.Contains(("t2", "t2-eth4", "out"), points.Keys);
        Assert.Contains(("h1", "h1-eth0", "in"), points.Keys);
        Assert.Contains(("h2", "h2-eth0", "in"), points.Keys);
        Assert.All(new[] { "h13", "h14", "h15", "h16" }, dip => Assert.Contains((dip, dip + "-eth0", "in"), points.Keys));
        Assert.Contains(("h3", "h3-eth0", "in"), points.Keys);
        // Every core carries some leg; no client other than h3 is ever a capture point.
        Assert.All(new[] { "c1", "c2", "c3", "c4" }, core => Assert.Contains(points.Keys, p => p.Node == core));
        Assert.DoesNotContain(points.Keys, p => p.Node is "h4" or "h5" or "h12");
    }

    [Fact]
    public void Filter_matches_only_the_first_packet_of_each_leg()
    {
        var flow = FlowTracer.Trace(TracePlans.Plan("fattree-linux"), new TraceRequest("h3")).Flow;
        var filter = LiveTracer.Filter(flow);
        Assert.Contains("(src host 10.14.3.2 and dst host 20.0.0.1 and tcp src port 40000 and tcp dst port 80 and tcp[13] & 2 != 0)", filter);
        Assert.Contains("(src host 20.0.0.1 and dst host 10.14.3.2 and tcp src port 80 and tcp dst port 40000 and tcp[13] & 2 != 0)", filter);
        Assert.Contains("ip proto 4 and ip[32:4] = 0x0a0e0302 and ip[36:4] = 0x14000001", filter);
        var icmp = LiveTracer.Filter(FlowTracer.Trace(TracePlans.Plan("fattree-linux"), new TraceRequest("h3", "icmp", 7)).Flow);
        Assert.Contains("icmp[0] = 8 and icmp[4:2] = 7", icmp);
        Assert.Contains("icmp[0] = 0 and icmp[4:2] = 7", icmp);
    }

    [Fact]
    public void Observed_branches_rewalk_the_linux_path_through_the_mux_the_packet_reached()
    {
        var plan = TracePlans.Plan("fattree-linux");
        var predicted = FlowTracer.Trace(plan, new TraceRequest("h3"));
        Assert.Equal("h1", predicted.Balancing!.Mux);
        var t1 = predicted.Leg(TraceLegKinds.ToMux)!.Hops.Single(h => h.Node == "t1").Decision!;
        var observed = new ObservedBranches();
        observed.Add(TraceLegKinds.ToMux, "t1", t1.Branches.Single(b => b.Neighbor == "h2").Interface);

        var walked = FlowTracer.Trace(plan, new TraceRequest("h3"), observed);
        Assert.True(walked.Complete, walked.Outcome);
        Assert.Equal("h2", walked.Balancing!.Mux);
        Assert.Equal("h2", walked.Leg(TraceLegKinds.Tunnel)!.From);
        Assert.Equal("10.13.2.2", walked.Leg(TraceLegKinds.Tunnel)!.Hops[0].Sent!.Outer!.Source);
        var atT1 = walked.Leg(TraceLegKinds.ToMux)!.Hops.Single(h => h.Node == "t1").Decision!;
        Assert.True(atT1.Observed && !atT1.IsAssumed);
        Assert.Contains("observed on the wire", atT1.Reason);
        // Where nothing was captured (the tunnel and reply legs here) the branch stays an assumption, and says so.
        var unobserved = walked.Legs.Where(l => l.Kind != TraceLegKinds.ToMux).SelectMany(l => l.Hops).Select(h => h.Decision).OfType<TraceDecision>().Where(d => d.IsEcmp).ToList();
        Assert.NotEmpty(unobserved);
        Assert.All(unobserved, d => Assert.True(d.IsAssumed, d.Reason));
        Assert.Contains(walked.Notes, n => n.Contains("'assumed'", StringComparison.Ordinal));
        // bmv2's branch is computed, never overridden: a different capture there is a difference to flag.
        var bmv2 = FlowTracer.Trace(TracePlans.Plan("fattree-bmv2"), new TraceRequest("h3"), observed);
        Assert.Equal(FlowTracer.Trace(TracePlans.Plan("fattree-bmv2"), new TraceRequest("h3")).Balancing!.Mux, bmv2.Balancing!.Mux);
        var bmv2AtT1 = bmv2.Leg(TraceLegKinds.ToMux)!.Hops.Single(h => h.Node == "t1").Decision!;
        Assert.True(bmv2AtT1.Predicted, bmv2AtT1.Reason);
        Assert.DoesNotContain("observed on the wire", bmv2AtT1.Reason);
    }

    [Fact]
    public void Differences_name_each_header_that_differs()
    {
        var frame = TcpdumpHex.Parse(TcpdumpHex.Frames(TunnelCapture).Single(), "h16-eth0")!;
        Assert.Empty(LiveTracer.Differences(frame, frame));
        var other = frame with { EthernetSource = "00:00:00:00:00:01", Outer = frame.Outer! with { Ttl = 60 }, SourcePort = 1 };
        Assert.Equal(
            ["eth source 00:00:00:00:00:01, predicted 00:01:0a:14:10:02", "outer ttl 60, predicted 59", "ports 1 -> 80, predicted 40000 -> 80"],
            LiveTracer.Differences(frame, other));
        Assert.Equal(["no outer header, predicted IP-in-IP"], LiveTracer.Differences(frame, frame with { Outer = null }));
    }

    [Fact]
    public async Task Refuses_in_one_line_when_the_deployment_is_not_running()
    {
        var shell = new Lbdeploy.Runner.HostShell(Lbdeploy.Runner.MininetNetwork.FromNodes(new Dictionary<string, int>()));
        var error = await Assert.ThrowsAsync<TraceException>(() => new LiveTracer(shell).TraceAsync(TracePlans.Plan("fattree-linux"), new TraceRequest("h3")));
        Assert.Equal("trace --live: the nodes of h3's paths are not running (no nodes); start the deployment (lbdeploy up) first", error.Message);
    }
}
