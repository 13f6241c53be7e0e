using Lbdeploy.Tracing;
using Lbdeploy.Nodes;

namespace Lbdeploy.Tests.Tracing;

/// <summary>The parts of `trace --live` that need no network: reading the pcap files, where to capture, when to stop, re-walking observed branches, comparing.</summary>
public sealed class LiveTracerTests
{
    // A real frame, captured on h16-eth0 (direction in): the tunnel leg of h3's SYN on the course fat tree.
    private static readonly byte[] TunnelFrame = Convert.FromHexString(string.Concat(
        "00000a14100200010a14100208004500",
        "003c00be40003b0418dc0a0d02020a14",
        "10024500002855cd40003d06c6f20a0e",
        "0302140000019c400050000000010000",
        "00005002faf0f74f0000"));

    /// <summary>A pcap file as tcpdump -w writes it (microsecond, little-endian, Ethernet), one record per frame.</summary>
    private static byte[] Pcap(params byte[][] frames)
    {
        var file = new List<byte>();
        void U32(uint v) => file.AddRange(BitConverter.GetBytes(v));
        void U16(ushort v) => file.AddRange(BitConverter.GetBytes(v));
        U32(0xa1b2c3d4); U16(2); U16(4); U32(0); U32(0); U32(262144); U32(1); // magic, version 2.4, zone, sigfigs, snaplen, LINKTYPE_ETHERNET
        var second = 1_700_000_000u;
        foreach (var frame in frames)
        {
            U32(second++); U32(841034); U32((uint)frame.Length); U32((uint)frame.Length);
            file.AddRange(frame);
        }
        return [.. file];
    }

    private static string WriteTemp(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"lbdeploy-test-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Reads_every_header_of_a_captured_tunnel_frame_from_a_pcap_file()
    {
        Assert.Equal(74, TunnelFrame.Length);
        var arp = Convert.FromHexString("ffffffffffff00010a1410020806" + new string('0', 56));
        var path = WriteTemp(Pcap(arp, TunnelFrame));
        try
        {
            var frame = Assert.Single(CaptureFile.Read(path, "h16-eth0")); // the ARP frame is not IPv4: skipped
            Assert.Equal("h16-eth0", frame.Link);
            Assert.Equal("00:01:0a:14:10:02", frame.EthernetSource);
            Assert.Equal("00:00:0a:14:10:02", frame.EthernetDestination);
            Assert.Equal(new TraceIp("10.13.2.2", "10.20.16.2", 4, "ipip", 59), frame.Outer);
            Assert.Equal(new TraceIp("10.14.3.2", "20.0.0.1", 6, "tcp", 61), frame.Inner);
            Assert.Equal("40000 -> 80", frame.Ports);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_capture_still_being_written_yields_its_whole_records_and_an_empty_one_none()
    {
        var whole = Pcap(TunnelFrame, TunnelFrame);
        var path = WriteTemp(whole[..^10]); // tcpdump has written half of the second record so far
        try
        {
            Assert.Single(CaptureFile.Read(path, "h16-eth0"));
            File.WriteAllBytes(path, []); // tcpdump -U writes the file header only with the first packet
            Assert.Empty(CaptureFile.Read(path, "h16-eth0"));
            File.Delete(path);
            Assert.Empty(CaptureFile.Read(path, "h16-eth0"));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Parses_udp_ports_and_the_icmp_echo_identifier()
    {
        // h3's UDP datagram 40000 -> 53 and ICMP echo id 7, as the client sends them (TTL 64).
        var udp = CaptureFile.Parse(Convert.FromHexString(
            "0001" + "0a0e0301" + "00000a0e03020800" + "4500002000014000401100000a0e030214000001" + "9c400035000c0000" + "61626364"), "h3-eth0")!;
        Assert.Null(udp.Outer);
        Assert.Equal(new TraceIp("10.14.3.2", "20.0.0.1", 17, "udp", 64), udp.Inner);
        Assert.Equal("40000 -> 53", udp.Ports);
        var icmp = CaptureFile.Parse(Convert.FromHexString(
            "00010a0e030100000a0e03020800" + "4500001c00014000400100000a0e030214000001" + "0800000000070001"), "h3-eth0")!;
        Assert.Equal(7, icmp.EchoIdentifier);
        Assert.Null(icmp.SourcePort);
        Assert.Null(CaptureFile.Parse(TunnelFrame.AsSpan(0, 30), "h3-eth0")); // IPv4 header cut short
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
    public void Captures_end_once_every_hop_of_every_leg_was_captured()
    {
        var plan = TracePlans.Plan("fattree-linux");
        var trace = FlowTracer.Trace(plan, new TraceRequest("h3"));
        var frames = new Dictionary<(string Node, string Interface, string Direction), List<(string Leg, TraceFrame Frame)>>();
        foreach (var leg in trace.Legs)
            foreach (var hop in leg.Hops)
            {
                var (point, frame) = hop.Sent is { } sent ? ((hop.Node, sent.Link, "out"), sent) : ((hop.Node, hop.Ingress!.Interface, "in"), hop.Received!);
                if (!frames.TryGetValue(point, out var list)) frames[point] = list = [];
                list.Add((leg.Kind, frame));
            }
        Assert.True(LiveTracer.EveryHopCaptured(trace, frames));
        // The reply not yet at the client: keep capturing.
        var last = trace.Leg(TraceLegKinds.Reply)!.Hops[^1];
        frames.Remove((last.Node, last.Ingress!.Interface, "in"));
        Assert.False(LiveTracer.EveryHopCaptured(trace, frames));
        // A frame of another leg at that point does not count for the reply.
        frames[(last.Node, last.Ingress!.Interface, "in")] = [(TraceLegKinds.ToMux, last.Received!)];
        Assert.False(LiveTracer.EveryHopCaptured(trace, frames));
    }

    [Fact]
    public async Task The_stop_command_signals_only_pids_that_still_are_timeout()
    {
        var pids = Path.Combine(Path.GetTempPath(), $"lbdeploy-test-{Guid.NewGuid():N}.pids");
        using var capture = System.Diagnostics.Process.Start("timeout", ["20", "sleep", "20"]);
        using var other = System.Diagnostics.Process.Start("sleep", ["20"]);
        try
        {
            await File.WriteAllTextAsync(pids, $"{capture.Id}\n{other.Id}\n");
            using var stop = System.Diagnostics.Process.Start("/bin/sh", ["-c", LiveTracer.StopCommand(pids)]);
            await stop.WaitForExitAsync();
            Assert.Equal(0, stop.ExitCode);
            Assert.True(capture.WaitForExit(5000), "timeout did not end on SIGTERM");
            Assert.Equal(128 + 15, capture.ExitCode); // timeout passes SIGTERM on to its command and exits with it
            Assert.False(other.HasExited, "a pid that is not a capture's timeout was signalled");
        }
        finally
        {
            if (!other.HasExited) other.Kill();
            if (!capture.HasExited) capture.Kill();
            File.Delete(pids);
        }
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
    public void Observed_branches_rewalk_the_frr_path_through_the_mux_the_packet_reached()
    {
        // frr: FRR orders a route's next hops, so the plan cannot know the kernel's branch: it assumes one, and what
        // the capture saw replaces the assumption.
        var plan = TracePlans.Plan("fattree-frr");
        var predicted = FlowTracer.Trace(plan, new TraceRequest("h3"));
        var assumedMux = predicted.Balancing!.Mux;
        var otherMux = assumedMux == "h1" ? "h2" : "h1";
        var t1 = predicted.Leg(TraceLegKinds.ToMux)!.Hops.Single(h => h.Node == "t1").Decision!;
        Assert.True(t1.IsAssumed, t1.Reason);
        var observed = new ObservedBranches();
        observed.Add(TraceLegKinds.ToMux, "t1", t1.Branches.Single(b => b.Neighbor == otherMux).Interface);

        var walked = FlowTracer.Trace(plan, new TraceRequest("h3"), observed);
        Assert.True(walked.Complete, walked.Outcome);
        Assert.Equal(otherMux, walked.Balancing!.Mux);
        Assert.Equal(otherMux, walked.Leg(TraceLegKinds.Tunnel)!.From);
        Assert.Equal(otherMux == "h2" ? "10.13.2.2" : "10.13.1.2", walked.Leg(TraceLegKinds.Tunnel)!.Hops[0].Sent!.Outer!.Source);
        var atT1 = walked.Leg(TraceLegKinds.ToMux)!.Hops.Single(h => h.Node == "t1").Decision!;
        Assert.True(atT1.Observed && !atT1.IsAssumed);
        Assert.Contains("observed on the wire", atT1.Reason);
        // Where nothing was captured (the tunnel and reply legs here) the branch stays an assumption, and says so.
        var unobserved = walked.Legs.Where(l => l.Kind != TraceLegKinds.ToMux).SelectMany(l => l.Hops).Select(h => h.Decision).OfType<TraceDecision>().Where(d => d.IsEcmp).ToList();
        Assert.NotEmpty(unobserved);
        Assert.All(unobserved, d => Assert.True(d.IsAssumed, d.Reason));
        Assert.Contains(walked.Notes, n => n.Contains("'assumed'", StringComparison.Ordinal));
        // linux (pinned seeds: the kernel's branch is computed) and bmv2 (crc16): never overridden; a different
        // capture there is a difference to flag.
        foreach (var computed in new[] { "fattree-linux", "fattree-bmv2" })
        {
            var walkedComputed = FlowTracer.Trace(TracePlans.Plan(computed), new TraceRequest("h3"), observed);
            Assert.Equal(FlowTracer.Trace(TracePlans.Plan(computed), new TraceRequest("h3")).Balancing!.Mux, walkedComputed.Balancing!.Mux);
            var atT1Computed = walkedComputed.Leg(TraceLegKinds.ToMux)!.Hops.Single(h => h.Node == "t1").Decision!;
            Assert.True(atT1Computed.Predicted, atT1Computed.Reason);
            Assert.DoesNotContain("observed on the wire", atT1Computed.Reason);
        }
    }

    [Fact]
    public void On_linux_switches_without_the_seed_sysctl_the_branches_are_observed_not_computed()
    {
        // A kernel before 6.11 has no fib_multipath_hash_seed: every switch hashes with a random seed, so trace
        // --live walks the branches the packet took, as on frr, and says why.
        var plan = TracePlans.Plan("fattree-linux");
        const string why = "a1, t1 have no net.ipv4.fib_multipath_hash_seed (kernel 6.1.0-28-amd64; it needs 6.11)";
        var predicted = FlowTracer.Trace(plan, new TraceRequest("h3"), null, why);
        Assert.False(predicted.Ecmp.Predicted);
        Assert.Contains(why, predicted.Ecmp.Explanation, StringComparison.Ordinal);
        var t1 = predicted.Leg(TraceLegKinds.ToMux)!.Hops.Single(h => h.Node == "t1").Decision!;
        Assert.True(t1.IsAssumed, t1.Reason);
        Assert.Contains("random seed", t1.Reason, StringComparison.Ordinal);
        Assert.Contains(predicted.Notes, n => n.StartsWith("linux target: ECMP branches marked 'assumed'", StringComparison.Ordinal));

        var other = t1.Branches.Single(b => b.Index != t1.Chosen);
        var observed = new ObservedBranches();
        observed.Add(TraceLegKinds.ToMux, "t1", other.Interface);
        var walked = FlowTracer.Trace(plan, new TraceRequest("h3"), observed, why);
        var atT1 = walked.Leg(TraceLegKinds.ToMux)!.Hops.Single(h => h.Node == "t1").Decision!;
        Assert.True(atT1.Observed, atT1.Reason);
        Assert.Equal(other.Neighbor, walked.Balancing!.Mux);
    }

    [Fact]
    public async Task The_seed_sysctl_is_read_inside_each_switch_and_the_ones_without_it_are_named()
    {
        using var rig = new Lbdeploy.Tests.Runner.Fakes.FakeRunner();
        rig.Shell.Answer((host, command) => command == $"cat {LiveTracer.SeedSysctl}"
            ? new ShellResult(host, command, host is "t1" or "a1" ? 1 : 0, host is "t1" or "a1" ? "" : "12345\n", host is "t1" or "a1" ? "cat: No such file or directory" : "")
            : null);

        Assert.Null(await LiveTracer.MissingSeedsAsync(rig.Shell, ["a2", "c1"], CancellationToken.None));
        var missing = (await LiveTracer.MissingSeedsAsync(rig.Shell, ["a1", "a2", "t1"], CancellationToken.None))!;
        Assert.StartsWith("a1, t1 have no net.ipv4.fib_multipath_hash_seed (kernel ", missing, StringComparison.Ordinal);
        Assert.EndsWith("; it needs 6.11)", missing, StringComparison.Ordinal);
        Assert.Equal(5, rig.Shell.Calls.Count(c => c.Command == $"cat {LiveTracer.SeedSysctl}"));
    }

    [Fact]
    public void Differences_name_each_header_that_differs()
    {
        var frame = CaptureFile.Parse(TunnelFrame, "h16-eth0")!;
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
        var shell = new Lbdeploy.Nodes.HostShell(Lbdeploy.Nodes.MininetNetwork.FromNodes(new Dictionary<string, int>()));
        var error = await Assert.ThrowsAsync<TraceException>(() => new LiveTracer(shell).TraceAsync(TracePlans.Plan("fattree-linux"), new TraceRequest("h3")));
        Assert.Equal("trace --live: the nodes of h3's paths are not running (no nodes); start the deployment (lbdeploy up) first", error.Message);
    }
}
