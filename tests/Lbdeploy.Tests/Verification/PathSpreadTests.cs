using System.Buffers.Binary;
using System.Diagnostics;
using Lb.Core.Addressing;
using Lbdeploy.Planning;
using Lbdeploy.Routing;
using Lbdeploy.Tests.Topology;
using Lbdeploy.Topology;
using Lbdeploy.Verification;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.Verification;

public sealed class PathSpreadTests(ITestOutputHelper output)
{
    private static readonly Ipv4Address Vip = Ipv4Address.Parse("20.0.0.1");
    private static readonly ForwardingPlan Course =
        Router.Build(FabricLoader.Load(RepoPaths.CourseAppConfig), [new VipPlacement(Vip, ["h1", "h2"])]);
    private static readonly VerificationScope CourseScope = VerificationScope.ForPlan(Course, dips: ["h13", "h14", "h15", "h16"]);

    private static VerificationCheck Check(ForwardingPlan plan, VerificationScope scope, INextHopChooser chooser) =>
        PathSpread.Check(plan, scope, chooser, 80, FlowTuple.Tcp);

    [Fact]
    public void Course_fat_tree_on_bmv2_spreads_evenly()
    {
        var check = Check(Course, CourseScope, new Bmv2NextHopChooser(EcmpLayout.Of(Course)));
        output.WriteLine(check.Detail);
        Assert.True(check.Passed, check.Detail);
        Assert.Contains("every equal-cost link used", check.Detail);
    }

    [Theory]
    [InlineData("h5", "h14")] // the issue's polarised pair: 2 of the 4 cores with one crc16 everywhere
    [InlineData("h1", "h14")] // a mux's tunnel: one path when the outer header is hashed
    public void Every_core_carries_a_quarter_of_the_flows(string from, string to)
    {
        var layout = EcmpLayout.Of(Course);
        var select = ForwardingTracer.Bmv2With(Course, layout, Course.Fabric.FindHost(to)!.Address.Address);
        var perCore = new Dictionary<string, int>(StringComparer.Ordinal);
        var source = Course.Fabric.FindHost(from)!.Address.Address;
        var destination = Course.Fabric.FindHost(to)!.Address.Address;
        for (var i = 0; i < PathSpread.DefaultFlows; i++)
        {
            // h1 -> h14 stands for the tunnel: routed to the DIP, hashed on a client's flow to the VIP inside
            var hashed = from == "h1" ? new FlowTuple(Ipv4Address.Parse("10.0.3.2"), Vip, FlowTuple.Tcp, (ushort)(32768 + i), 80)
                : new FlowTuple(source, destination, FlowTuple.Tcp, (ushort)(32768 + i), 80);
            var path = ForwardingTracer.Trace(Course, from, new FlowTuple(source, destination, FlowTuple.Tcp, 0, 0), (sw, _, n) => select(sw, hashed, n));
            var core = path.Nodes.Single(n => n.StartsWith('c'));
            perCore[core] = perCore.GetValueOrDefault(core) + 1;
        }
        output.WriteLine(string.Join(", ", perCore.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.Equal(4, perCore.Count);
        Assert.True(perCore.Values.Max() <= 1.5 * perCore.Values.Min(), string.Join(", ", perCore));
    }

    [Fact]
    public void Polarised_layout_is_caught()
    {
        // one crc16 everywhere with the course controller's plain members: the aggregation tier meets flows of one residue
        var check = Check(Course, CourseScope, new Bmv2NextHopChooser(EcmpLayout.Plain));
        output.WriteLine(check.Detail);
        Assert.False(check.Passed);
        Assert.Contains("carries none of the flows (an equal-cost path unused)", check.Detail);
        Assert.All(check.Failures, f => Assert.Equal(FailureKind.UnevenSpread, f.Kind));
    }

    [Fact]
    public void A_failed_spread_is_one_located_line_naming_the_links_and_the_figure()
    {
        var yaml = File.ReadAllText(RepoPaths.Of("lb.yaml")).Replace("target: linux", "target: bmv2", StringComparison.Ordinal);
        var spec = SpecLoader.Load(RepoPaths.Of("lb.yaml"), "lb.yaml", yaml).Spec;
        var check = Check(Course, CourseScope, new Bmv2NextHopChooser(EcmpLayout.Plain));
        var line = Assert.Single(Planner.SpreadFailure(spec, check).Diagnostics).ToString();
        output.WriteLine(line);
        Assert.Matches(@"^lb\.yaml:\d+:\d+: error: switches\.target: static check 'path spread' failed: 4000 flows per pair: t3's clients -> 20\.0\.0\.1: a\d->c\d carries none of the flows \(an equal-cost path unused\) while a\d->c\d carries 2000, hop 2 of 4 equal-cost links; ", line);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void Old_program_hashing_the_outer_header_is_caught()
    {
        var check = Check(Course, CourseScope, new OuterHeaderChooser());
        output.WriteLine(check.Detail);
        Assert.False(check.Passed);
        Assert.Contains(check.Failures, f => f.Path.StartsWith("tunnel h1 -> h1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(16)]
    public void Generated_fat_trees_spread_evenly(int k)
    {
        var fabric = FabricLoader.FromAppConfig(FabricGenerators.FatTree(k), "fat tree");
        var plan = Router.Build(fabric, [new VipPlacement(Vip, ["h1", "h2"])]);
        var scope = VerificationScope.ForPlan(plan, dips: [.. fabric.Hosts.TakeLast(2).Select(h => h.Name)]);
        var started = Stopwatch.GetTimestamp();
        var check = Check(plan, scope, new Bmv2NextHopChooser(EcmpLayout.Of(plan)));
        output.WriteLine($"k={k}: {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms; {check.Detail}");
        Assert.True(check.Passed, check.Detail);
    }

    [Fact]
    public void Leaf_spine_spreads_evenly()
    {
        var fabric = FabricLoader.FromAppConfig(FabricGenerators.LeafSpine(4, 2, 3), "leaf-spine");
        var plan = Router.Build(fabric, [new VipPlacement(Vip, ["h1", "h2"])]);
        var scope = VerificationScope.ForPlan(plan, dips: [.. fabric.Hosts.TakeLast(2).Select(h => h.Name)]);
        var check = Check(plan, scope, new Bmv2NextHopChooser(EcmpLayout.Of(plan)));
        Assert.True(check.Passed, check.Detail);
    }

    [Fact]
    public void Layout_strides_follow_the_tiers()
    {
        var layout = EcmpLayout.Of(Course);
        Route Up(string sw) => Course.For(sw).Routes.First(r => r.IsEcmp && r.Kind == RouteKind.RemoteHost);
        Assert.Equal(1, layout.StrideOf("t3", Up("t3")));
        Assert.Equal(2, layout.StrideOf("a3", Up("a3")));
        // the muxes' switch splits the VIP last: after both uplink tiers
        var vip = Course.For("t1").Routes.Single(r => r.Kind == RouteKind.Vip && r.IsEcmp);
        Assert.Equal(4, layout.StrideOf("t1", vip));
        Assert.Equal(1, EcmpLayout.Plain.StrideOf("a3", Up("a3")));
    }

    /// <summary>The program before: crc16(src, dst, proto, sport, dport) of the outer header, the plain layout.</summary>
    private sealed class OuterHeaderChooser : INextHopChooser
    {
        public int Setting(string switchName, Route route) => 1;

        public ulong Prepare(in SampledPacket packet)
        {
            var flow = packet.Flow;
            Span<byte> bytes = stackalloc byte[13];
            (packet.TunnelSource ?? flow.Source).WriteTo(bytes);
            (packet.TunnelDestination ?? flow.Destination).WriteTo(bytes[4..]);
            var tunnelled = packet.TunnelDestination is not null;
            bytes[8] = tunnelled ? (byte)4 : flow.Protocol;
            BinaryPrimitives.WriteUInt16BigEndian(bytes[9..], tunnelled ? (ushort)0 : flow.SourcePort);
            BinaryPrimitives.WriteUInt16BigEndian(bytes[11..], tunnelled ? (ushort)0 : flow.DestinationPort);
            return FlowTuple.Crc16Arc(bytes);
        }

        public int Choose(in SampledPacket packet, ulong prepared, int setting, int nextHops) => (int)(prepared % (ulong)nextHops);
    }
}
