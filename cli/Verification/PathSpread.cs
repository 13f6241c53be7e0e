using System.Globalization;
using Lb.Core.Addressing;
using Lbdeploy.Routing;
using Lbdeploy.Topology;

namespace Lbdeploy.Verification;

/// <summary>What <see cref="PathSpread"/> samples: the target's next-hop choice, the service port the client flows go to.</summary>
public sealed record PathSpreadRequest(INextHopChooser Chooser, ushort VipPort, byte Protocol, int Flows = PathSpread.DefaultFlows)
{
    public int Flows { get; } = Flows >= 1 ? Flows : throw new ArgumentOutOfRangeException(nameof(Flows), Flows, "at least one flow per pair");
}

/// <summary>
/// How evenly real flows spread over the equal-cost paths, which branch-by-branch reachability cannot see: sampled
/// flows of each client switch toward the VIP and of each mux-DIP tunnel are walked through the plan with the
/// target's own next-hop choice (<see cref="INextHopChooser"/>), and each link's load is compared, hop by hop, with
/// what an even split at every switch would give it. A link of a pair's paths that no flow takes, or links at one hop
/// whose loads (relative to that even share) differ more than <see cref="MaxRatio"/>, fail the check.
/// <para>Clients behind one switch share every path, so each client switch is one pair, its flows coming from a few
/// of its clients, each opening consecutive source ports; a tunnel's flows are such client flows inside the mux's
/// outer header.</para>
/// </summary>
public static class PathSpread
{
    public const string Name = "path spread";

    /// <summary>Flows sampled per pair by default.</summary>
    public const int DefaultFlows = 4000;

    /// <summary>Most a link's relative load may exceed another's at the same hop of a pair's paths.</summary>
    public const double MaxRatio = 1.5;

    /// <summary>Where the sampled flows' source ports start (Linux's ephemeral range).</summary>
    private const int FirstSourcePort = 32768;

    /// <param name="vipPort">The service port (and <paramref name="protocol"/>) the sampled client flows go to.</param>
    public static VerificationCheck Check(ForwardingPlan plan, VerificationScope scope, INextHopChooser chooser,
        ushort vipPort, byte protocol, int flows = DefaultFlows)
    {
        return Check(new ForwardingTables(plan), scope, new PathSpreadRequest(chooser, vipPort, protocol, flows));
    }

    /// <summary>The check on tables the verifier already built.</summary>
    internal static VerificationCheck Check(ForwardingTables tables, VerificationScope scope, PathSpreadRequest request)
    {
        var (chooser, vipPort, protocol, flows) = request;
        var fabric = tables.Fabric;
        var walker = new Walker(tables, chooser);
        var worst = Spread.None;
        var failures = new List<VerificationFailure>();
        var pairs = 0;

        var clientHosts = scope.Clients.Select(fabric.FindHost).OfType<FabricHost>().ToList();
        foreach (var vip in scope.Vips)
        {
            foreach (var group in clientHosts.GroupBy(h => fabric.AttachmentOf(h).Name, StringComparer.Ordinal).OrderBy(g => g.Key, NaturalOrder.Instance))
            {
                var clients = group.Take(MaxSourcesPerPair).Select(h => h.Address.Address).ToArray();
                var label = group.Count() == 1 ? $"{group.First().Name} -> {vip}" : $"{group.Key}'s clients -> {vip}";
                Add(walker.Measure(label, group.Key, vip, i => new SampledPacket(
                    new FlowTuple(SourceOf(clients, i, flows), vip, protocol, PortOf(clients, i, flows), vipPort)), flows));
            }
        }
        Ipv4Address[] innerSources = clientHosts.Count > 0 ? [.. clientHosts.Take(MaxSourcesPerPair).Select(h => h.Address.Address)] : [Ipv4Address.Parse("192.0.2.1")];
        var vipOfTunnels = scope.Vips.FirstOrDefault();
        foreach (var mux in scope.Muxes.Select(fabric.FindHost).OfType<FabricHost>())
        {
            foreach (var dip in scope.Dips.Select(fabric.FindHost).OfType<FabricHost>())
            {
                if (dip.Name == mux.Name) continue;
                var from = mux.Address.Address;
                var to = dip.Address.Address;
                Add(walker.Measure($"tunnel {mux.Name} -> {dip.Name}", fabric.AttachmentOf(mux).Name, to, i => new SampledPacket(
                    new FlowTuple(SourceOf(innerSources, i, flows), vipOfTunnels, protocol, PortOf(innerSources, i, flows), vipPort), from, to), flows));
            }
        }

        void Add(Spread spread)
        {
            pairs++;
            if (spread.Ratio > worst.Ratio || worst.Pair is null) worst = spread;
            if (spread.Fails && failures.Count < ForwardingVerifier.MaxFailuresPerCheck)
                failures.Add(new VerificationFailure(spread.Pair!, spread.Pair!, FailureKind.UnevenSpread, spread.Describe()));
        }

        var failed = failures.Count > 0 || worst.Fails;
        if (!failed)
        {
            return new VerificationCheck(Name, true, pairs == 0 || worst.Pair is null
                ? Invariant($"{flows} flows per pair, no equal-cost links to compare")
                : Invariant($"{flows} flows per pair over {pairs} pairs, every equal-cost link used; worst max/min {worst.Ratio:0.00} (limit {MaxRatio:0.0}): {worst.Describe()}"), []);
        }
        return new VerificationCheck(Name, false, Invariant($"{flows} flows per pair: {failures[0].Path}"), [.. failures]);
    }

    /// <summary>
    /// Client addresses a pair's flows come from: each opens consecutive source ports, as a client opening connections
    /// does. A few clients per pair keep each one's run of ports long: a hash's fair share shows in a run of ports,
    /// while flows scattered over many addresses add sampling noise that hides it on large fabrics (64 equal-cost
    /// links get ~60 flows each).
    /// </summary>
    private const int MaxSourcesPerPair = 4;

    private static Ipv4Address SourceOf(Ipv4Address[] sources, int flow, int flows) => sources[(int)((long)flow * sources.Length / flows)];

    private static ushort PortOf(Ipv4Address[] sources, int flow, int flows)
    {
        var source = (long)flow * sources.Length / flows;
        var firstOfSource = (source * flows + sources.Length - 1) / sources.Length;
        return (ushort)(FirstSourcePort + (flow - firstOfSource) % (65536 - FirstSourcePort));
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// A pair's worst hop: the links there with the highest and lowest load relative to an even split, and their
    /// ratio (infinite when a link of the pair's paths carries nothing).
    /// </summary>
    private sealed record Spread(string? Pair, int Hop, string Hot, int HotLoad, string Cold, int ColdLoad, double Ratio, int Links)
    {
        public static readonly Spread None = new(null, 0, "", 0, "", 0, 1.0, 0);

        public bool Fails => Ratio > MaxRatio;

        public string Describe() => Pair is null ? "no equal-cost links"
            : ColdLoad == 0
                ? Invariant($"{Pair}: {Cold} carries none of the flows (an equal-cost path unused) while {Hot} carries {HotLoad}, hop {Hop} of {Links} equal-cost links")
                : Invariant($"{Pair}: {Hot} carries {HotLoad} flows, {Cold} {ColdLoad} (max/min {Ratio:0.00} of an even split, hop {Hop}, {Links} equal-cost links)");
    }

    /// <summary>
    /// Walks sampled packets from one switch toward one address. Per pair, each switch the paths reach gets its route,
    /// its hop number and a slot per next hop in flat arrays, so a packet's step is a few array reads (a k=16 fat
    /// tree walks millions of steps); the buffers are reused between pairs.
    /// </summary>
    private sealed class Walker(ForwardingTables tables, INextHopChooser chooser)
    {
        private readonly Dictionary<ForwardingTables.Match, int> settings = new(ReferenceEqualityComparer.Instance);
        private readonly ForwardingTables.Match?[] matchOf = new ForwardingTables.Match?[tables.Count];
        private readonly int[] hopOf = new int[tables.Count];
        private readonly int[] firstSlotOf = new int[tables.Count];
        private readonly int[] settingOf = new int[tables.Count];
        private readonly List<int> reached = [];
        private readonly List<double> expected = [];
        private readonly List<int> slotSwitch = [];
        private int[] flowsOf = [];

        public Spread Measure(string pair, string startSwitch, Ipv4Address destination, Func<int, SampledPacket> packet, int flows)
        {
            if (tables.IndexOf(startSwitch) is not { } start) return Spread.None;
            Expect(tables.Toward(destination), start, flows);
            for (var i = 0; i < flows; i++)
            {
                var sampled = packet(i);
                var prepared = chooser.Prepare(sampled);
                var current = start;
                // Every reached switch has a route (Expect stops where there is none), at one hop (shortest paths).
                for (var steps = 0; steps < reached.Count; steps++)
                {
                    var match = matchOf[current];
                    if (match is null) break;
                    var n = match.Neighbors.Length;
                    var choice = n == 1 ? 0 : chooser.Choose(sampled, prepared, settingOf[current], n);
                    flowsOf[firstSlotOf[current] + choice]++;
                    var neighbor = match.Neighbors[choice];
                    if (neighbor < 0) break;
                    current = neighbor;
                }
            }
            return Worst(pair);
        }

        /// <summary>
        /// Each reachable switch's route and slots, and each link's load if every switch split its flows evenly among
        /// its next hops (a walk by hops).
        /// </summary>
        private void Expect(ForwardingTables.RoutesToward toward, int start, int flows)
        {
            foreach (var s in reached) matchOf[s] = null;
            reached.Clear();
            expected.Clear();
            slotSwitch.Clear();
            var layer = new Dictionary<int, double> { [start] = flows };
            for (var hop = 0; hop < tables.Count && layer.Count > 0; hop++)
            {
                var next = new Dictionary<int, double>();
                foreach (var (current, share) in layer)
                {
                    if (matchOf[current] is null)
                    {
                        if (toward.At(current) is not { } found || found.Neighbors.Length == 0) continue;
                        matchOf[current] = found;
                        reached.Add(current);
                        hopOf[current] = hop;
                        firstSlotOf[current] = expected.Count;
                        settingOf[current] = found.Neighbors.Length > 1 ? SettingOf(current, found) : 1;
                        for (var choice = 0; choice < found.Neighbors.Length; choice++)
                        {
                            expected.Add(0);
                            slotSwitch.Add(current);
                        }
                    }
                    var match = matchOf[current]!;
                    var part = share / match.Neighbors.Length;
                    for (var choice = 0; choice < match.Neighbors.Length; choice++)
                    {
                        expected[firstSlotOf[current] + choice] += part;
                        var neighbor = match.Neighbors[choice];
                        if (neighbor >= 0) next[neighbor] = next.GetValueOrDefault(neighbor) + part;
                    }
                }
                layer = next;
            }
            if (flowsOf.Length < expected.Count) flowsOf = new int[Math.Max(expected.Count, flowsOf.Length * 2)];
            Array.Clear(flowsOf, 0, expected.Count);
        }

        private Spread Worst(string pair)
        {
            var worst = Spread.None;
            foreach (var hop in Enumerable.Range(0, expected.Count).Where(slot => expected[slot] > 0).GroupBy(slot => hopOf[slotSwitch[slot]]))
            {
                var slots = hop.ToList();
                if (slots.Count < 2) continue;
                double Relative(int slot) => flowsOf[slot] / expected[slot];
                var hot = slots.MaxBy(Relative);
                var cold = Enumerable.Reverse(slots).MinBy(Relative); // another link than hot when all are equal
                var ratio = flowsOf[cold] == 0 ? double.PositiveInfinity : Relative(hot) / Relative(cold);
                if (worst.Pair is null || ratio > worst.Ratio)
                    worst = new Spread(pair, hop.Key + 1, LinkName(hot), flowsOf[hot], LinkName(cold), flowsOf[cold], ratio, slots.Count);
            }
            return worst;
        }

        private string LinkName(int slot)
        {
            var s = slotSwitch[slot];
            return $"{tables.SwitchNames[s]}->{matchOf[s]!.Route.NextHops[slot - firstSlotOf[s]].Neighbor}";
        }

        private int SettingOf(int switchIndex, ForwardingTables.Match match)
        {
            if (!settings.TryGetValue(match, out var setting))
            {
                setting = chooser.Setting(tables.SwitchNames[switchIndex], match.Route);
                settings[match] = setting;
            }
            return setting;
        }
    }
}
