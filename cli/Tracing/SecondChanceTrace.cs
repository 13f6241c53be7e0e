using System.Collections.Immutable;
using System.Globalization;
using Lb.Core.Addressing;
using Lb.Core.Flows;
using Lb.Core.Packets;
using Lb.Core.Stats;
using Lbdeploy.Planning;

namespace Lbdeploy.Tracing;

/// <summary>
/// What a running mux said about the traced flow (`lookup`): the DIP it sends the flow to and the second-chance
/// alternates it would name now; or, with <see cref="Unavailable"/>, why it could not be asked.
/// </summary>
public sealed record SecondChanceAnswer(string Mux, string? Dip, IReadOnlyList<FlowAlternate> Alternates, string? Unavailable = null)
{
    public static SecondChanceAnswer NotAsked(string mux, string why) => new(mux, null, [], why);
}

/// <summary>
/// The second-chance leg of a trace (engine/README.md, "Second chance"): when the plan's engines have it on, a TCP
/// segment that is not a SYN carries the earlier owners of its Maglev slot, and the DIP's agent, if it does not hold
/// the connection, passes it to the first of them that is its peer, with the rest in the option; that DIP does the
/// same. The legs follow that chain through the fabric with the tracer's own path walk; the earlier owners come from
/// the running mux (the plan alone cannot know which pool changes happened).
/// </summary>
public static class SecondChanceTrace
{
    /// <summary>The plan's muxes carry alternates: the trace has something to say about the second chance.</summary>
    public static bool IsOn(DeploymentPlan plan) => plan.Muxes.Any(m => m.Engine.SecondChance is { Enabled: true });

    /// <summary>The flow to ask the traced mux about: only a TCP flow that reached a DIP has second-chance legs.</summary>
    public static FlowKey? FlowToAsk(DeploymentPlan plan, FlowTrace trace)
    {
        if (!IsOn(plan) || !trace.Complete || trace.Balancing?.Dip is null || trace.Flow.ProtocolNumber != IpProtocol.Tcp) return null;
        var flow = trace.Flow;
        return FlowKey.Create(Ipv4Address.Parse(flow.Source), (ushort)flow.SourcePort, Ipv4Address.Parse(flow.Vip), (ushort)flow.DestinationPort, IpProtocol.Tcp);
    }

    /// <summary>
    /// The trace with the second chance's legs (after the reply) and its <see cref="FlowTrace.SecondChance"/>, from the
    /// mux's <paramref name="answer"/>; without alternates (none, or the mux not asked) one note says when the leg
    /// applies and which DIPs could be named. Unchanged when the plan has the second chance off.
    /// </summary>
    public static FlowTrace Apply(DeploymentPlan plan, FlowTrace trace, SecondChanceAnswer? answer)
    {
        if (!IsOn(plan) || trace.Balancing?.Dip is not { } planned || !trace.Complete) return trace;
        var notes = trace.Notes.ToBuilder();
        if (trace.Flow.ProtocolNumber != IpProtocol.Tcp)
        {
            notes.Add($"second chance: on in the plan, for TCP only; this {trace.Flow.Protocol} flow always goes where the mux sends it");
            return trace with { Notes = notes.ToImmutable() };
        }

        // The legs start where the running mux sends the flow now (a runtime drain or weight may differ from the plan).
        var start = answer?.Dip is { } asked && plan.Dips.Any(d => d.Host == asked) ? asked : planned;
        if (start != planned)
            notes.Add($"second chance: mux {answer!.Mux} sends this flow to {start} now, not to the plan's {planned} (a runtime drain or weight, health, or its connection table); the legs start there");
        var alternates = (answer?.Alternates ?? []).Select(a => new TraceAlternate(a.Dip, a.Address, a.ReplacedMsAgo)).ToImmutableArray();
        var peers = PeersOf(plan, start);
        if (alternates.IsEmpty)
        {
            var why = answer is null ? "the muxes were not asked"
                : answer.Unavailable is { } unavailable ? $"mux {answer.Mux} could not be asked ({unavailable})"
                : $"mux {answer.Mux} names no earlier owner for this flow's slot now";
            var summary = $"second chance: a non-SYN segment reaches {start} with earlier owners only after a pool change moved its slot ({why}); " +
                $"{start}'s agent could pass it to {(peers.IsEmpty ? "no DIP (its second_chance.peers is empty)" : string.Join(", ", peers))}";
            notes.Add(summary);
            return trace with { Notes = notes.ToImmutable(), SecondChance = new TraceSecondChance(start, answer?.Mux, alternates, peers, summary) };
        }

        var (legs, outcome) = Chain(plan, trace, start, alternates);
        var named = string.Join(", ", alternates.Select(a => a.Dip ?? a.Address));
        var text = $"second chance: mux {answer!.Mux} names {named} for a non-SYN segment of this flow; {outcome}";
        notes.Add(text);
        var reached = legs.All(l => l.Reached);
        return trace with
        {
            Legs = WithOption(trace, alternates).AddRange(legs),
            Notes = notes.ToImmutable(),
            Complete = reached,
            Outcome = reached ? trace.Outcome : $"the second-chance leg never reaches {legs[^1].To}: {legs[^1].Outcome}",
            SecondChance = new TraceSecondChance(start, answer.Mux, alternates, peers, text),
        };
    }

    /// <summary>
    /// The legs with the option on the tunnel's frames, as the mux sends a non-SYN segment; not under --live, whose
    /// capture was compared with the frames as they were.
    /// </summary>
    private static ImmutableArray<TraceLeg> WithOption(FlowTrace trace, ImmutableArray<TraceAlternate> alternates)
    {
        if (trace.Live is not null) return trace.Legs;
        ImmutableArray<string> option = [.. alternates.Select(a => a.Address)];
        TraceFrame? Mark(TraceFrame? frame) => frame?.Outer is null ? frame : frame with { SecondChanceOption = option };
        return [.. trace.Legs.Select(l => l.Kind != TraceLegKinds.Tunnel ? l
            : l with { Hops = [.. l.Hops.Select(h => h with { Received = Mark(h.Received), Sent = Mark(h.Sent) })] })];
    }

    /// <summary>
    /// The agents' chain: from <paramref name="start"/>, the first alternate left that is a peer of the current DIP
    /// gets the packet with the alternates after it; none left, or none a peer: the current DIP delivers.
    /// </summary>
    private static (ImmutableArray<TraceLeg> Legs, string Outcome) Chain(DeploymentPlan plan, FlowTrace trace, string start, ImmutableArray<TraceAlternate> alternates)
    {
        var walker = new FlowTracer.PathWalker(plan, plan.Target == Spec.SwitchTarget.Bmv2, null);
        var fabric = plan.Fabric;
        var legs = ImmutableArray.CreateBuilder<TraceLeg>();
        var received = trace.Leg(TraceLegKinds.Tunnel)!.Hops[^1].Received! with { SecondChanceOption = [.. alternates.Select(a => a.Address)] };
        var current = start;
        var left = alternates;
        while (true)
        {
            if (left.IsEmpty)
                return (legs.ToImmutable(), $"each DIP on the way delivers if it holds the connection, else passes it on, and {current}, the last, delivers; the DIP that delivers answers the client directly (DSR)");
            var peers = Peers(plan, current);
            var index = -1;
            for (var i = 0; i < left.Length && index < 0; i++)
                if (peers.Any(p => p.Address.ToString() == left[i].Address)) index = i;
            if (index < 0)
                return (legs.ToImmutable(), $"none of {string.Join(", ", left.Select(a => a.Dip ?? a.Address))} is a peer of {current}'s agent, so {current} delivers");
            var next = left[index];
            var rest = left[(index + 1)..];
            var from = fabric.FindHost(current)!;
            var to = fabric.FindHost(peers.First(p => p.Address.ToString() == next.Address).Name)!;
            var sent = received with
            {
                Link = from.Interface,
                EthernetSource = from.Mac.ToString(),
                Outer = new TraceIp(from.Address.Address.ToString(), to.Address.Address.ToString(), IpProtocol.IpInIp, IpProtocol.Name(IpProtocol.IpInIp), FlowTracer.InitialTtl),
                SecondChanceOption = rest.IsEmpty ? null : [.. rest.Select(a => a.Address)],
            };
            var replaced = string.Create(CultureInfo.InvariantCulture, $"{next.ReplacedMsAgo / 1000.0:0.0}s");
            var leg = walker.Walk(TraceLegKinds.SecondChance, $"second chance {current} -> {to.Name}: IP-in-IP to the slot's owner before a pool change ({replaced} ago)",
                current, to.Name, FlowTracer.RoutingTuple(sent), sent, received,
                $"agent: no connection here; passes it to {to.Name}, the first alternate that is its peer{(rest.IsEmpty ? " (no option left: it delivers)" : $" (option now {string.Join(' ', rest.Select(a => a.Dip ?? a.Address))})")}");
            legs.Add(leg);
            if (!leg.Reached) return (legs.ToImmutable(), $"the packet never reaches {to.Name}: {leg.Outcome}");
            received = leg.Hops[^1].Received!;
            current = to.Name;
            left = rest;
        }
    }

    /// <summary>The DIPs <paramref name="dip"/>'s agent may pass packets to (none when its second chance is off).</summary>
    private static IReadOnlyList<Lb.Core.Config.PeerConfig> Peers(DeploymentPlan plan, string dip) =>
        plan.Dips.FirstOrDefault(d => d.Host == dip)?.Engine.SecondChance is { Enabled: true } on ? on.Peers : [];

    private static ImmutableArray<string> PeersOf(DeploymentPlan plan, string dip) => [.. Peers(plan, dip).Select(p => p.Name)];
}
