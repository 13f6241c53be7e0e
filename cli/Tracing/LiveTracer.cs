using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using CliWrap;
using Lb.Core.Addressing;
using Lb.Core.Packets;
using Lbdeploy.Common;
using Lbdeploy.Planning;
using Lbdeploy.Rendering;
using Lbdeploy.Runner;
using Lbdeploy.Verification;
using Lbdeploy.Nodes;

namespace Lbdeploy.Tracing;

/// <summary>
/// `trace --live`: sends ONE real packet of the traced flow from inside the client (a raw TCP SYN, a UDP datagram or
/// an ICMP echo with the traced identifier; templates/trace/send-packet.py), having first started tcpdump inside every
/// node on every interface the packet may cross (all equal-cost branches, every mux, every DIP), each writing a pcap
/// file, then reads the files (<see cref="CaptureFile"/>) and lays each captured frame beside the predicted one. The
/// captures end as soon as every hop of every leg was captured, or <see cref="CaptureSeconds"/> after the packet. On
/// frr the order of the kernel's next hops is FRR's, so the ECMP choice is not predicted: the trace is re-walked along
/// the branches the packet took, which are reported rather than flagged (bmv2 and linux: a different branch is flagged;
/// linux switches whose kernel lacks fib_multipath_hash_seed hash with a random seed, and are treated like frr's).
/// Everything runs in the nodes through <see cref="HostShell"/>.
/// </summary>
public sealed class LiveTracer(HostShell shell, TimeProvider? time = null)
{
    /// <summary>How long the captures wait, once the packet is sent, for a hop not yet seen: the exchange takes milliseconds.</summary>
    public const int CaptureSeconds = 3;

    /// <summary>
    /// The `timeout` each tcpdump runs under, counted from its own start: only a bound should lbdeploy die, since the
    /// tracer ends every capture itself. Starting them all can take seconds on a busy machine, so it covers that too.
    /// </summary>
    private const int CaptureLifetimeSeconds = 15;

    /// <summary>The packet sender, shipped in the binary (templates/trace/send-packet.py); run with its values as argv.</summary>
    private const string SenderScriptResource = "trace/send-packet.py";
    private const string SenderScript = "send-packet.py";

    /// <summary>How long the captures may take to start listening (dozens of tcpdumps: seconds on a busy machine).</summary>
    private static readonly TimeSpan ListenLimit = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan ListenPollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(100);
    private readonly TimeProvider clock = time ?? TimeProvider.System;

    public async Task<FlowTrace> TraceAsync(DeploymentPlan plan, TraceRequest request, CancellationToken cancellationToken = default)
    {
        var started = clock.GetTimestamp();
        var flow = FlowTracer.Trace(plan, request).Flow;
        var points = CapturePoints(plan, flow);
        if (!points.Keys.All(p => shell.Network.Contains(p.Node)))
        {
            throw new TraceException($"trace --live: the nodes of {flow.Client}'s paths are not running ({shell.Network.Describe()}); start the deployment (lbdeploy up) first");
        }
        var randomSeeds = plan.Target == Spec.SwitchTarget.Linux
            ? await MissingSeedsAsync(shell, points.Keys.Select(p => p.Node).Where(plan.Fabric.IsSwitch).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(), cancellationToken)
            : null;
        var predicted = FlowTracer.Trace(plan, request, null, randomSeeds);
        var (frames, wait, allSeen) = await CaptureAsync(points, flow, seen => EveryHopCaptured(FlowTracer.Trace(plan, request, Observe(plan, seen), randomSeeds), seen), cancellationToken);
        var walked = FlowTracer.Trace(plan, request, Observe(plan, frames), randomSeeds);
        var live = Compare(plan, predicted, walked, frames, Sender(flow), (clock.GetElapsedTime(started), wait, allSeen), points.Count, FlowTracer.ComputesBranches(plan, randomSeeds));
        return randomSeeds is null
            ? walked with { Live = live }
            : walked with { Live = live, Notes = walked.Notes.Insert(0, $"{randomSeeds}: the ECMP branches shown are the ones the packet took (observed), not computed from the plan's seeds") };
    }

    /// <summary>The sysctl the linux target pins each switch's ECMP seed with (kernels from 6.11).</summary>
    internal const string SeedSysctl = "/proc/sys/net/ipv4/fib_multipath_hash_seed";

    /// <summary>
    /// Which of <paramref name="switches"/> have no <see cref="SeedSysctl"/> (read inside each switch node, no
    /// traffic), as one phrase naming them and the kernel; null when every one has it.
    /// </summary>
    internal static async Task<string?> MissingSeedsAsync(INodeShell shell, IReadOnlyList<string> switches, CancellationToken ct)
    {
        var reads = await Task.WhenAll(switches.Select(sw => shell.RunAsync(sw, $"cat {SeedSysctl}", TimeSpan.FromSeconds(5), ct)));
        var missing = switches.Where((_, i) => !reads[i].Succeeded).ToList();
        if (missing.Count == 0) return null;
        var release = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "unknown";
        var names = missing.Count <= 4 ? string.Join(", ", missing) : $"{string.Join(", ", missing.Take(4))} and {missing.Count - 4} more";
        return $"{names} {(missing.Count == 1 ? "has" : "have")} no net.ipv4.fib_multipath_hash_seed (kernel {release}; it needs 6.11)";
    }

    /// <summary>The egress interface each switch sent each leg on, as captured.</summary>
    private static ObservedBranches Observe(DeploymentPlan plan, Dictionary<(string Node, string Interface, string Direction), List<(string Leg, TraceFrame Frame)>> frames)
    {
        var observed = new ObservedBranches();
        foreach (var ((node, iface, direction), captured) in frames)
        {
            if (direction != "out" || !plan.Fabric.IsSwitch(node)) continue;
            foreach (var (leg, _) in captured) observed.Add(leg, node, iface);
        }
        return observed;
    }

    /// <summary>True when every frame of <paramref name="walked"/> (every leg, every hop) has been captured where it crosses.</summary>
    internal static bool EveryHopCaptured(FlowTrace walked, Dictionary<(string Node, string Interface, string Direction), List<(string Leg, TraceFrame Frame)>> frames) =>
        walked.Legs.All(leg => leg.Hops.All(hop => Where(hop) is not { } at || (frames.TryGetValue(at, out var list) && list.Exists(f => f.Leg == leg.Kind))));

    /// <summary>Where a hop's predicted frame can be captured: the interface it leaves by, or the last host's ingress.</summary>
    private static (string Node, string Interface, string Direction)? Where(TraceHop hop) =>
        hop.Sent is { } sent ? (hop.Node, sent.Link, "out")
        : hop.Received is not null && hop.Ingress is { } ingress ? (hop.Node, ingress.Interface, "in")
        : null;

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

    /// <summary>
    /// Starts every capture (one shell per node, each tcpdump writing a pcap file), waits until all listen, sends the
    /// packet, then ends the captures as soon as <paramref name="complete"/> says every hop was seen (captures on
    /// branches the packet did not take would otherwise wait for their timeout) or after <see cref="CaptureSeconds"/>.
    /// Also returns how long the captures ran after the packet was sent, and whether they ended because every hop was seen.
    /// </summary>
    private async Task<(Dictionary<(string Node, string Interface, string Direction), List<(string Leg, TraceFrame Frame)>> Frames, TimeSpan Wait, bool AllSeen)> CaptureAsync(
        Dictionary<(string Node, string Interface, string Direction), int> points, TraceFlow flow,
        Func<Dictionary<(string Node, string Interface, string Direction), List<(string Leg, TraceFrame Frame)>>, bool> complete, CancellationToken cancellationToken)
    {
        var dir = Directory.CreateTempSubdirectory("lbdeploy-live-").FullName;
        var runs = new Dictionary<string, Task<ShellResult>>(StringComparer.Ordinal);
        string FileOf((string Node, string Interface, string Direction) p) => Path.Combine(dir, $"{p.Node}_{p.Interface}_{p.Direction}");
        var pids = Path.Combine(dir, "captures.pids");
        try
        {
            var filter = HostShell.Quote(Filter(flow));
            foreach (var node in points.GroupBy(p => p.Key.Node))
            {
                // --immediate-mode: libpcap hands each packet over at once (not when a kernel block times out), and -U
                // writes it to the file at once, so the files can be read while tcpdump runs.
                var commands = node.Select(p =>
                    $"timeout {CaptureLifetimeSeconds} tcpdump -i {HostShell.Quote(p.Key.Interface)} -Q {p.Key.Direction} -n --immediate-mode -U -c {p.Value} " +
                    $"-w {HostShell.Quote(FileOf(p.Key) + ".pcap")} {filter} 2>{HostShell.Quote(FileOf(p.Key) + ".err")} & echo $! >>{HostShell.Quote(pids)};");
                runs[node.Key] = shell.RunAsync(node.Key, string.Join(' ', commands) + " wait", TimeSpan.FromSeconds(CaptureLifetimeSeconds + 5), cancellationToken);
            }

            // Until every capture listens, or one of them ended (it will never listen), or the limit passed.
            await Wait.UntilAsync(() => points.Keys.All(p => Listening(FileOf(p) + ".err")) || runs.Values.Any(r => r.IsCompleted),
                ListenLimit, ListenPollInterval, clock, cancellationToken);
            // (The finally ends the captures; the first one not listening names the problem.)
            if (points.Keys.FirstOrDefault(p => !Listening(FileOf(p) + ".err")) is { Node: not null } failed)
            {
                var detail = File.Exists(FileOf(failed) + ".err") ? OneLine(File.ReadAllText(FileOf(failed) + ".err")) : "no output";
                throw new RunnerException($"trace --live: tcpdump on {failed.Node} {failed.Interface} did not start listening: {detail}");
            }

            var sender = Path.Combine(dir, SenderScript);
            await File.WriteAllTextAsync(sender, ShippedFiles.Read(SenderScriptResource), cancellationToken);
            string[] argv = [sender, flow.Protocol, flow.Source, flow.Vip, flow.SourcePort.ToString(CultureInfo.InvariantCulture), flow.DestinationPort.ToString(CultureInfo.InvariantCulture)];
            var send = await shell.RunAsync(flow.Client, HostShell.Quote(MininetInstall.StandardPython()) + " " + string.Join(' ', argv.Select(HostShell.Quote)), TimeSpan.FromSeconds(3), cancellationToken);
            if (!send.Succeeded)
                throw new RunnerException($"trace --live: could not send the packet from {flow.Client} (exit {send.ExitCode}): {OneLine(send.StandardError)}");

            var sent = clock.GetTimestamp();
            var captured = false;
            await Wait.UntilAsync(() => runs.Values.All(r => r.IsCompleted) || (captured = complete(Collect(points.Keys, FileOf, flow))),
                TimeSpan.FromSeconds(CaptureSeconds), PollInterval, clock, cancellationToken);
            if (captured)
            {
                // A frame the prediction does not expect (a leg past where it ends) would follow within this.
                await Task.Delay(Settle, clock, cancellationToken);
            }
            await StopAsync(runs, pids);
            var wait = clock.GetElapsedTime(sent);
            var frames = Collect(points.Keys, FileOf, flow);
            // (Every capture may also have ended by itself, each at its count, before the check above ran.)
            return (frames, wait, captured || complete(frames));
        }
        finally
        {
            // Wait for every capture so none writes into a deleted folder. A shell that failed must not hide the error
            // already on its way out, nor keep the folder.
            try { await StopAsync(runs, pids); } catch (Exception) { }
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Ends the captures still running (SIGTERM to their `timeout`, which passes it on to tcpdump) and waits for them.
    /// Signalling a pid needs no network: one shell here does it for every node (an mnexec per node costs more).
    /// </summary>
    private static async Task StopAsync(Dictionary<string, Task<ShellResult>> runs, string pidsFile)
    {
        if (runs.Values.Any(r => !r.IsCompleted) && File.Exists(pidsFile))
        {
            await Cli.Wrap("/bin/sh").WithArguments(["-c", StopCommand(pidsFile)]).WithValidation(CommandResultValidation.None).ExecuteAsync();
        }
        await Task.WhenAll(runs.Values);
    }

    /// <summary>
    /// Signals each capture's `timeout` by its exact pid, only while that pid still is a `timeout` (a capture that has
    /// ended by itself, -c reached, must not have its recycled pid signalled).
    /// </summary>
    internal static string StopCommand(string pidsFile) =>
        $"for pid in $(cat {HostShell.Quote(pidsFile)}); do [ \"$(cat /proc/$pid/comm 2>/dev/null)\" = timeout ] && kill -TERM \"$pid\"; done; true";

    /// <summary>What every capture file holds so far, by point, each frame with the leg it belongs to.</summary>
    private static Dictionary<(string Node, string Interface, string Direction), List<(string Leg, TraceFrame Frame)>> Collect(
        IEnumerable<(string Node, string Interface, string Direction)> points, Func<(string, string, string), string> fileOf, TraceFlow flow)
    {
        var frames = new Dictionary<(string, string, string), List<(string, TraceFrame)>>();
        foreach (var point in points)
        {
            var list = new List<(string, TraceFrame)>();
            foreach (var frame in CaptureFile.Read(fileOf(point) + ".pcap", point.Interface))
            {
                if (LegOf(frame, flow) is { } leg) list.Add((leg, frame));
            }
            if (list.Count > 0) frames[point] = list;
        }
        return frames;
    }

    private static string OneLine(string text) => text.Trim().ReplaceLineEndings(" | ");

    private static bool Listening(string errFile) => File.Exists(errFile) && File.ReadAllText(errFile).Contains("listening on", StringComparison.Ordinal);

    private static string? LegOf(TraceFrame frame, TraceFlow flow) =>
        frame.Outer is not null ? TraceLegKinds.Tunnel
        : frame.Inner.Source == flow.Source ? TraceLegKinds.ToMux
        : frame.Inner.Source == flow.Vip ? TraceLegKinds.Reply
        : null;

    private static TraceLive Compare(DeploymentPlan plan, FlowTrace predicted, FlowTrace walked,
        Dictionary<(string Node, string Interface, string Direction), List<(string Leg, TraceFrame Frame)>> frames, string sender, (TimeSpan All, TimeSpan Wait, bool AllSeen) time, int captures,
        bool computed)
    {
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
                    if (!computed)
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
        return new TraceLive(sender, Math.Round(time.All.TotalSeconds, 2), Math.Round(time.Wait.TotalSeconds, 2), time.AllSeen, captures, hops.ToImmutable(), all.Count == 0, all.ToImmutable());
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
}
