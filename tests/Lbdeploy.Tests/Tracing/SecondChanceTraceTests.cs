using System.Text.Json;
using System.Xml.Linq;
using Lb.Core.Config;
using Lb.Core.Stats;
using Lbdeploy.Planning;
using Lbdeploy.Tracing;

namespace Lbdeploy.Tests.Tracing;

/// <summary>
/// `trace` with the second chance on in the plan: the DIP's agent passing a non-SYN segment on to the earlier owners
/// the mux names (one leg per hand-over, walked through the fabric), or one note when there are none.
/// </summary>
public sealed class SecondChanceTraceTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>The plan with the second chance on in every engine, each agent's peers the other DIPs (as the planner wires it).</summary>
    private static DeploymentPlan On(string name)
    {
        var plan = TracePlans.Plan(name);
        return plan with
        {
            Muxes = [.. plan.Muxes.Select(m => m with { Engine = m.Engine with { SecondChance = new SecondChanceConfig(true) } })],
            Dips = [.. plan.Dips.Select(d => d with
            {
                Engine = d.Engine with
                {
                    SecondChance = new SecondChanceConfig(true) { Peers = [.. plan.Dips.Where(o => o.Host != d.Host).Select(o => new PeerConfig(o.Host, o.Address))] },
                },
            })],
        };
    }

    private static (DeploymentPlan Plan, FlowTrace Trace, PlannedDip Primary, PlannedDip[] Others) Course(string name = "fattree-linux")
    {
        var plan = On(name);
        var trace = FlowTracer.Trace(plan, new TraceRequest("h3"));
        var primary = plan.Dips.First(d => d.Host == trace.Balancing!.Dip);
        return (plan, trace, primary, [.. plan.Dips.Where(d => d != primary)]);
    }

    private static FlowAlternate Alternate(PlannedDip dip, long ago) => new(dip.Host, dip.Address.ToString(), DateTimeOffset.UnixEpoch, ago);

    [Fact]
    public void With_the_second_chance_off_the_trace_is_unchanged()
    {
        var plan = TracePlans.Plan("fattree-linux");
        var trace = FlowTracer.Trace(plan, new TraceRequest("h3"));
        Assert.Same(trace, SecondChanceTrace.Apply(plan, trace, null));
        Assert.Null(SecondChanceTrace.FlowToAsk(plan, trace));
        Assert.DoesNotContain("second_chance", TraceRenderer.Json(trace));
    }

    [Fact]
    public void Without_alternates_one_note_says_when_the_leg_applies_and_which_dips_could_be_named()
    {
        var (plan, trace, primary, others) = Course();
        Assert.NotNull(SecondChanceTrace.FlowToAsk(plan, trace));

        var notRunning = SecondChanceTrace.Apply(plan, trace, SecondChanceAnswer.NotAsked("h1", "mux h1 is not running"));
        var unmoved = SecondChanceTrace.Apply(plan, trace, new SecondChanceAnswer(trace.Balancing!.Mux, primary.Host, []));

        Assert.Equal(3, notRunning.Legs.Length);
        var note = Assert.Single(notRunning.Notes, n => n.StartsWith("second chance:", StringComparison.Ordinal));
        Assert.Equal($"second chance: a non-SYN segment reaches {primary.Host} with earlier owners only after a pool change moved its slot " +
            $"(mux h1 could not be asked (mux h1 is not running)); {primary.Host}'s agent could pass it to {string.Join(", ", others.Select(o => o.Host))}", note);
        Assert.Contains($"note: {note}", TraceRenderer.Text(notRunning), StringComparison.Ordinal);
        Assert.Contains("names no earlier owner for this flow's slot now", Assert.Single(unmoved.Notes, n => n.StartsWith("second chance:", StringComparison.Ordinal)));
        Assert.True(unmoved.Complete);
    }

    [Theory]
    [InlineData("fattree-linux")]
    [InlineData("fattree-bmv2")]
    public void Alternates_become_legs_from_the_dip_through_the_fabric_to_each_earlier_owner_in_turn(string name)
    {
        var (plan, trace, primary, others) = Course(name);
        var answer = new SecondChanceAnswer(trace.Balancing!.Mux, primary.Host, [Alternate(others[0], 5000), Alternate(others[1], 65000)]);

        var result = SecondChanceTrace.Apply(plan, trace, answer);

        Assert.True(result.Complete, result.Outcome);
        Assert.Equal([TraceLegKinds.ToMux, TraceLegKinds.Tunnel, TraceLegKinds.Reply, TraceLegKinds.SecondChance, TraceLegKinds.SecondChance], result.Legs.Select(l => l.Kind));
        var (first, second) = (result.Legs[3], result.Legs[4]);
        Assert.Equal((primary.Host, others[0].Host, others[0].Host, others[1].Host), (first.From, first.To, second.From, second.To));
        Assert.All(result.Legs.Skip(3), l => Assert.True(l.Reached, l.Outcome));
        // The DIP received the tunnel's packet with both alternates, and sends it on with the one after the first.
        var start = first.Hops[0];
        Assert.Equal([others[0].Address.ToString(), others[1].Address.ToString()], start.Received!.SecondChanceOption!.Value.ToArray());
        Assert.Equal((primary.Address.ToString(), others[0].Address.ToString(), 4), (start.Sent!.Outer!.Source, start.Sent.Outer.Destination, start.Sent.Outer.Protocol));
        Assert.Equal([others[1].Address.ToString()], start.Sent.SecondChanceOption!.Value.ToArray());
        Assert.Equal(result.Legs[1].Hops[^1].Received!.Inner, start.Sent.Inner);
        Assert.Null(second.Hops[0].Sent!.SecondChanceOption); // the last hand-over carries no option: that DIP delivers
        Assert.All(result.Legs[1].Hops.Skip(1), h => Assert.Equal(start.Received.SecondChanceOption!.Value.ToArray(), h.Received!.SecondChanceOption!.Value.ToArray()));
        Assert.Null(trace.Legs[1].Hops[^1].Received!.SecondChanceOption); // the plan alone knows of no earlier owner
        Assert.All(first.Hops.Skip(1).SkipLast(1), h => Assert.Equal(TraceRoles.Switch, h.Role));
        Assert.Equal(result.SecondChance!.Alternates.Select(a => a.Dip), [others[0].Host, others[1].Host]);

        var text = TraceRenderer.Text(result);
        Assert.Contains($"4. second chance {primary.Host} -> {others[0].Host}: IP-in-IP to the slot's owner before a pool change (5.0s ago)", text, StringComparison.Ordinal);
        Assert.Contains($"outer {primary.Address} -> {others[0].Address} ipip ttl 64 option second-chance {others[1].Address} | inner", text, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(TraceRenderer.Json(result));
        Assert.Equal(2, json.RootElement.GetProperty("second_chance").GetProperty("alternates").GetArrayLength());
        Assert.Equal("second-chance", json.RootElement.GetProperty("legs")[3].GetProperty("kind").GetString());

        // The picture: the second-chance lane starts under the DIP's box of the reply lane, with its own legend entry.
        var root = XDocument.Parse(TraceRenderer.Svg(result)).Root!;
        var boxes = root.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "hop").ToList();
        double X(XElement g) => (double)g.Element(Svg + "rect")!.Attribute("x")!;
        var replyStart = boxes.First(g => (string)g.Attribute("data-leg")! == TraceLegKinds.Reply);
        var secondStart = boxes.First(g => (string)g.Attribute("data-leg")! == TraceLegKinds.SecondChance);
        Assert.Equal(((string)replyStart.Attribute("data-node")!, X(replyStart)), ((string)secondStart.Attribute("data-node")!, X(secondStart)));
        Assert.Contains(root.Descendants(Svg + "text"), t => t.Value == "second chance DIP -> earlier owner");
        Assert.Equal(2, root.Descendants(Svg + "g").Count(g => (string?)g.Attribute("class") == "handover second-chance"));
    }

    [Fact]
    public void An_alternate_that_is_no_peer_is_skipped_and_none_left_means_the_dip_delivers()
    {
        var (plan, trace, primary, others) = Course();
        var gone = new FlowAlternate(null, "10.99.0.2", DateTimeOffset.UnixEpoch, 1000);

        var skipped = SecondChanceTrace.Apply(plan, trace, new SecondChanceAnswer(trace.Balancing!.Mux, primary.Host, [gone, Alternate(others[2], 2000)]));
        var none = SecondChanceTrace.Apply(plan, trace, new SecondChanceAnswer(trace.Balancing.Mux, primary.Host, [gone]));

        Assert.Equal(others[2].Host, Assert.Single(skipped.Legs, l => l.Kind == TraceLegKinds.SecondChance).To);
        Assert.Equal(3, none.Legs.Length);
        Assert.Contains($"none of 10.99.0.2 is a peer of {primary.Host}'s agent, so {primary.Host} delivers", none.SecondChance!.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Udp_and_icmp_flows_get_one_note_the_second_chance_is_for_tcp()
    {
        var plan = On("fattree-linux");
        var trace = FlowTracer.Trace(plan, new TraceRequest("h3", "icmp"));
        Assert.Null(SecondChanceTrace.FlowToAsk(plan, trace));
        var result = SecondChanceTrace.Apply(plan, trace, null);
        Assert.Contains("second chance: on in the plan, for TCP only; this icmp flow always goes where the mux sends it", result.Notes);
        Assert.Null(result.SecondChance);
    }
}
