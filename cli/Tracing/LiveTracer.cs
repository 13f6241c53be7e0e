using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Lb.Core.Addressing;
using Lb.Core.Packets;
using Lbdeploy.Common;
using Lbdeploy.Planning;
using Lbdeploy.Runner;
using Lbdeploy.Verification;

namespace Lbdeploy.Tracing;

/// <summary>
/// `trace --live`: sends ONE real packet of the traced flow from inside the client (a raw TCP SYN, a UDP datagram or
/// an ICMP echo with the traced identifier), having first started tcpdump inside every node on every interface the
/// packet may cross (all equal-cost branches, every mux, every DIP), then lays each captured frame beside the
/// predicted one. On linux the kernel's ECMP choice cannot be predicted: the trace is re-walked along the branches
/// the packet took, which are reported rather than flagged. Everything runs in the nodes through <see cref="HostShell"/>.
/// </summary>
public sealed class LiveTracer(HostShell shell, TimeProvider? time = null)
{
    /// <summary>How long each tcpdump lives: the whole exchange takes milliseconds; this bounds branches never taken.</summary>
    public const int CaptureSeconds = 3;

    private static readonly TimeSpan ListenLimit = TimeSpan.FromSeconds(2.5);
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    public async Task<FlowTrace> TraceAsync(DeploymentPlan plan, TraceRequest request, CancellationToken cancellationToken = default)
    {
        var started = clock.GetTimestamp();
        var predicted = FlowTracer.Trace(plan, request);
        var flow = predicted.Flow;
        var points = CapturePoints(plan, flow);
        var frames = await CaptureAsync(points, flow, cancellationToken);

        var observed = new ObservedBranches();
        foreach (var ((node, iface, direction), captured) in frames)
        {
            if (direction != "out" || !plan.Fabric.IsSwitch(node)) continue;
            foreach (var (leg, _) in captured) observed.Add(leg, node, iface);
        }
        var walked = FlowTracer.Trace(plan, request, observed);
        var live = Compare(plan, predicted, walked, frames, Sender(flow), clock.GetElapsedTime(started).TotalSeconds, points.Count);
        return walked with { Live = live };
    }

    private static string Sender(TraceFlow flow) => flow.Protocol switch
    {
        "tcp" => $"one TCP SYN from a raw socket in {flow.Client}: {flow.Text}",
        "udp" => $"one UDP datagram from {flow.Client}: {flow.Text}",
        _ => $"one ICMP echo request from a raw socket in {flow.Client}: {flow.Text}",
    };

    /// <summary>
    /// Every (node, interface, direction) the packet of each leg may cross, following every equal-cost branch from
    /// the plan's tables: to-mux from the client to the VIP, the tunnel from every mux to every DIP, the reply from
    /// every DIP to the client. Value: how many legs may cross it (tcpdump's -c).
    /// </summary>
    internal static Dictionary<(string Node, string Interface, string Direction), int> CapturePoints(DeploymentPlan plan, TraceFlow flow)
    {
        var tables = new ForwardingTables(plan.Forwarding);
        var fabric = plan.Fabric;
        var points = new Dictionary<(string, string, string), int>();
        void Explore(string from, Ipv4Address destination)
        {
            var seen = new HashSet<(string, string, string)>();
            void Add(string node, string iface, string direction)
            {
                if (seen.Add((node, iface, direction))) points[(node, iface, direction)] = points.GetValueOrDefault((node, iface, direction)) + 1;
            }
            var host = fabric.FindHost(from)!;
            var gateway = fabric.AttachmentOf(host);
            Add(host.Name, fabric.InterfaceToward(host.Name, gateway.Name).Name, "out");
            var queue = new Queue<string>([gateway.Name]);
            var visited = new HashSet<string>(StringComparer.Ordinal) { gateway.Name };
            while (queue.TryDequeue(out var current))
            {
                if (tables.IndexOf(current) is not { } index || tables.Lookup(index, destination) is not { } route) continue;
                foreach (var hop in route.NextHops)
                {
                    Add(current, hop.Egress.Name, "out");
                    if (fabric.IsHost(hop.Neighbor)) Add(hop.Neighbor, hop.Ingress.Name, "in");
                    else if (visited.Add(hop.Neighbor)) queue.Enqueue(hop.Neighbor);
                }
            }
        }

        var client = fabric.FindHost(flow.Client)!;
        Explore(client.Name, Ipv4Address.Parse(flow.Vip));
        foreach (var mux in plan.Muxes)
            foreach (var dip in plan.Dips)
                Explore(mux.Host, fabric.FindHost(dip.Host)!.Address.Address);
        foreach (var dip in plan.Dips) Explore(dip.Host, client.Address.Address);
        return points;
    }

    /// <summary>The tcpdump filter: the leg's first packet only (SYN / SYN-ACK for tcp, echo / echo-reply for icmp).</summary>
    internal static string Filter(TraceFlow flow)
    {
        string Hex(string address) => "0x" + Ipv4Address.Parse(address).Value.ToString("x8", CultureInfo.InvariantCulture);
        var (c, v, s, d) = (flow.Source, flow.Vip, flow.SourcePort, flow.DestinationPort);
        var (forward, reverse, inner) = flow.Protocol switch
        {
            "tcp" => ($"tcp src port {s} and tcp dst port {d} and tcp[13] & 2 != 0", $"tcp src port {d} and tcp dst port {s} and tcp[13] & 2 != 0",
                $"ip[29] = 6 and ip[40:2] = {s} and ip[42:2] = {d} and ip[53] & 2 != 0"),
            "udp" => ($"udp src port {s} and udp dst port {d}", $"udp src port {d} and udp dst port {s}", $"ip[29] = 17 and ip[40:2] = {s} and ip[42:2] = {d}"),
            _ => ($"icmp[0] = 8 and icmp[4:2] = {s}", $"icmp[0] = 0 and icmp[4:2] = {s}", $"ip[29] = 1 and ip[40] = 8 and ip[44:2] = {s}"),
        };
        return $"(src host {c} and dst host {v} and {forward}) or (src host {v} and dst host {c} and {reverse}) " +
            $"or (ip proto 4 and ip[32:4] = {Hex(c)} and ip[36:4] = {Hex(v)} and {inner})";
    }

    /// <summary>Starts every capture (one shell per node), waits until all listen, sends the packet, collects.</summary>
    private async Task<Dictionary<(string Node, string Interface, string Direction), List<(string Leg, TraceFrame Frame)>>> CaptureAsync(
        Dictionary<(string Node, string Interface, string Direction), int> points, TraceFlow flow, CancellationToken cancellationToken)
    {
        if (!points.Keys.All(p => shell.Network.Contains(p.Node)))
        {
            throw new TraceException($"trace --live: the nodes of {flow.Client}'s paths are not running ({shell.Network.Describe()}); start the deployment (lbdeploy up) first");
        }
        var dir = Directory.CreateTempSubdirectory("lbdeploy-live-").FullName;
        List<Task<ShellResult>> runs = [];
        try
        {
            var filter = HostShell.Quote(Filter(flow));
            string FileOf((string Node, string Interface, string Direction) p) => Path.Combine(dir, $"{p.Node}_{p.Interface}_{p.Direction}");
            runs = points.GroupBy(p => p.Key.Node).Select(node =>
            {
                var commands = node.Select(p =>
                    $"timeout {CaptureSeconds} tcpdump -i {ShellQuoting.Quote(p.Key.Interface)} -Q {p.Key.Direction} -n -e -XX -l -c {p.Value} {filter} >{HostShell.Quote(FileOf(p.Key) + ".out")} 2>{HostShell.Quote(FileOf(p.Key) + ".err")} &");
                return shell.RunAsync(node.Key, string.Join(' ', commands) + " wait", TimeSpan.FromSeconds(CaptureSeconds + 5), cancellationToken);
            }).ToList();

            var waitStart = clock.GetTimestamp();
            while (!points.Keys.All(p => Listening(FileOf(p) + ".err")))
            {
                if (clock.GetElapsedTime(waitStart) > ListenLimit || runs.Any(r => r.IsCompleted))
                {
                    // (The finally waits for the shells; the first capture not listening names the problem.)
                    var notListening = points.Keys.Where(p => !Listening(FileOf(p) + ".err")).ToList();
                    if (notListening.Count == 0) break; // all came up just now
                    var failed = notListening[0];
                    var detail = File.Exists(FileOf(failed) + ".err") ? OneLine(File.ReadAllText(FileOf(failed) + ".err")) : "no output";
                    throw new RunnerException($"trace --live: tcpdump on {failed.Node} {failed.Interface} did not start listening: {detail}");
                }
                await Task.Delay(20, cancellationToken);
            }

            var send = await shell.RunAsync(flow.Client, $"/usr/bin/python3 -c {ShellQuoting.QuoteScript(SenderScript)} {flow.Protocol} {flow.Source} {flow.Vip} {flow.SourcePort} {flow.DestinationPort}",
                TimeSpan.FromSeconds(3), cancellationToken);
            if (!send.Succeeded)
                throw new RunnerException($"trace --live: could not send the packet from {flow.Client} (exit {send.ExitCode}): {OneLine(send.StandardError)}");
            await Task.WhenAll(runs);

            var frames = new Dictionary<(string, string, string), List<(string, TraceFrame)>>();
            foreach (var point in points.Keys)
            {
                var list = new List<(string, TraceFrame)>();
                var output = File.Exists(FileOf(point) + ".out") ? File.ReadAllText(FileOf(point) + ".out") : "";
                foreach (var bytes in TcpdumpHex.Frames(output))
                {
                    if (TcpdumpHex.Parse(bytes, point.Interface) is { } frame && LegOf(frame, flow) is { } leg) list.Add((leg, frame));
                }
                if (list.Count > 0) frames[point] = list;
            }
            return frames;
        }
        finally
        {
            // Every tcpdump ends by itself (-c or timeout); wait for them so none writes into a deleted folder. A shell
            // that failed must not hide the error already on its way out, nor keep the folder.
            try { await Task.WhenAll(runs); } catch (Exception) { }
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string OneLine(string text) => text.Trim().ReplaceLineEndings(" | ");

    private static bool Listening(string errFile) => File.Exists(errFile) && File.ReadAllText(errFile).Contains("listening on", StringComparison.Ordinal);

    private static string? LegOf(TraceFrame frame, TraceFlow flow) =>
        frame.Outer is not null ? TraceLegKinds.Tunnel
        : frame.Inner.Source == flow.Source ? TraceLegKinds.ToMux
        : frame.Inner.Source == flow.Vip ? TraceLegKinds.Reply
        : null;

    private static TraceLive Compare(DeploymentPlan plan, FlowTrace predicted, FlowTrace walked,
        Dictionary<(string Node, string Interface, string Direction), List<(string Leg, TraceFrame Frame)>> frames, string sender, double seconds, int captures)
    {
        var bmv2 = plan.Target == "bmv2";
        var hops = ImmutableArray.CreateBuilder<LiveHop>();
        var all = ImmutableArray.CreateBuilder<string>();
        TraceFrame? Find(string leg, string node, string iface, string direction) =>
            frames.TryGetValue((node, iface, direction), out var list) ? list.FirstOrDefault(f => f.Leg == leg).Frame : null;

        foreach (var leg in walked.Legs)
        {
            for (var i = 0; i < leg.Hops.Length; i++)
            {
                var hop = leg.Hops[i];
                var (expected, iface, direction) = hop.Sent is { } sent ? (sent, sent.Link, "out")
                    : hop.Received is { } received && hop.Ingress is { } ingress ? (received, ingress.Interface, "in")
                    : (null, "", "");
                if (expected is null) continue;
                var captured = Find(leg.Kind, hop.Node, iface, direction);
                var differences = ImmutableArray.CreateBuilder<string>();
                string? branch = null;
                if (hop.Decision is { IsEcmp: true } decision)
                {
                    var taken = decision.Branches[decision.Chosen];
                    var assumed = predicted.Leg(leg.Kind)?.Hops.FirstOrDefault(h => h.Node == hop.Node)?.Decision?.Chosen;
                    if (!bmv2)
                    {
                        branch = captured is null ? $"no branch of {decision.Branches.Length} saw the packet"
                            : $"took branch {taken.Index} of {decision.Branches.Length} ({taken.Neighbor} via {taken.Interface})" +
                              (assumed is not { } a ? "; the plan-only trace does not pass here" : a != taken.Index ? $"; the plan-only trace assumed {a}" : "; as assumed");
                    }
                    else if (captured is null && decision.Branches.FirstOrDefault(b => Find(leg.Kind, hop.Node, b.Interface, "out") is not null) is { } other)
                    {
                        differences.Add($"ECMP took branch {other.Index} ({other.Neighbor}), predicted {decision.Chosen} ({taken.Neighbor})");
                    }
                }
                if (captured is null) differences.Add("not captured");
                else differences.AddRange(Differences(expected, captured));
                foreach (var d in differences) all.Add($"{leg.Kind} {hop.Node} {iface}: {d}");
                hops.Add(new LiveHop(leg.Kind, hop.Node, iface, direction, expected, captured, branch, differences.ToImmutable()));
            }
        }

        // A leg the prediction stops before (the mux drops the flow...) must not show up on the wire either.
        foreach (var ((node, iface, _), list) in frames)
        {
            foreach (var leg in list.Select(f => f.Leg).Distinct().Where(l => walked.Leg(l) is null))
                all.Add($"{leg} {node} {iface}: captured, but the prediction ends before this leg ({walked.Outcome})");
        }
        var muxes = plan.Muxes.Select(m => m.Host).ToHashSet(StringComparer.Ordinal);
        foreach (var ((node, iface, _), list) in frames)
        {
            if (muxes.Contains(node) && list.Any(f => f.Leg == TraceLegKinds.Reply)) all.Add($"reply {node} {iface}: the reply crossed the mux {node} (DSR broken)");
        }
        return new TraceLive(sender, Math.Round(seconds, 2), captures, hops.ToImmutable(), all.Count == 0, all.ToImmutable());
    }

    /// <summary>Header by header: what the capture shows that the prediction did not say.</summary>
    internal static IEnumerable<string> Differences(TraceFrame expected, TraceFrame captured)
    {
        if (!string.Equals(expected.EthernetSource, captured.EthernetSource, StringComparison.OrdinalIgnoreCase))
            yield return $"eth source {captured.EthernetSource}, predicted {expected.EthernetSource}";
        if (!string.Equals(expected.EthernetDestination, captured.EthernetDestination, StringComparison.OrdinalIgnoreCase))
            yield return $"eth destination {captured.EthernetDestination}, predicted {expected.EthernetDestination}";
        if ((expected.Outer is null) != (captured.Outer is null))
            yield return captured.Outer is null ? "no outer header, predicted IP-in-IP" : "an outer IP-in-IP header, predicted none";
        else if (expected.Outer is { } eo && captured.Outer is { } co)
            foreach (var d in Differences("outer", eo, co)) yield return d;
        foreach (var d in Differences(expected.Outer is null ? "ip" : "inner", expected.Inner, captured.Inner)) yield return d;
        if (expected.Ports != captured.Ports) yield return $"ports {captured.Ports}, predicted {expected.Ports}";
    }

    private static IEnumerable<string> Differences(string name, TraceIp expected, TraceIp captured)
    {
        if (expected.Source != captured.Source || expected.Destination != captured.Destination)
            yield return $"{name} {captured.Source} -> {captured.Destination}, predicted {expected.Source} -> {expected.Destination}";
        if (expected.Protocol != captured.Protocol) yield return $"{name} protocol {captured.ProtocolName}, predicted {expected.ProtocolName}";
        if (expected.Ttl != captured.Ttl) yield return $"{name} ttl {captured.Ttl}, predicted {expected.Ttl}";
    }

    // Runs in the client with /usr/bin/python3: argv = proto src dst sport dport. TCP: one SYN from a raw socket (no
    // connect, so the port is exactly the traced one; the client's kernel resets the SYN-ACK). ICMP: one echo request
    // with identifier = sport (ping would pick its own). UDP: one datagram from a socket bound to the port.
    private const string SenderScript = """
        import socket, struct, sys
        proto, src, dst, sport, dport = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        def csum(b):
            if len(b) % 2: b += b'\0'
            s = sum(struct.unpack('!%dH' % (len(b) // 2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
            return ~s & 0xffff
        if proto == 'tcp':
            h = struct.pack('!HHIIBBHHH', sport, dport, 1, 0, 5 << 4, 2, 64240, 0, 0)
            pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 6, len(h))
            h = h[:16] + struct.pack('!H', csum(pseudo + h)) + h[18:]
            socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP).sendto(h, (dst, 0))
        elif proto == 'udp':
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((src, sport)); s.sendto(b'lbdeploy trace --live', (dst, dport))
        else:
            h = struct.pack('!BBHHH', 8, 0, 0, sport, 1) + b'lbdeploy'
            h = h[:2] + struct.pack('!H', csum(h)) + h[4:]
            socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).sendto(h, (dst, 0))
        """;
}
