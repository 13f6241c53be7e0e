using Lb.Core.Addressing;
using Lbdeploy.Bgp;
using Lbdeploy.Tests.Topology;
using Lbdeploy.Topology;

namespace Lbdeploy.Tests.Bgp;

/// <summary>
/// The RFC 7938 design on every fabric lbdeploy accepts: which ASN each speaker gets, which sessions exist, what each
/// originates, where multipath-relax is needed, and the located refusals for fabrics and settings it cannot serve.
/// </summary>
public sealed class BgpDesignTests
{
    internal static readonly Ipv4Address Vip = Ipv4Address.Parse("20.0.0.1");

    internal static Fabric Course => FabricLoader.Load(RepoPaths.CourseAppConfig);

    internal static Fabric FatTree(int k) => FabricLoader.FromAppConfig(FabricGenerators.FatTree(k), $"fat tree k={k}");

    internal static Fabric LeafSpine(int leaves, int spines, int hosts) => FabricLoader.FromAppConfig(FabricGenerators.LeafSpine(leaves, spines, hosts), "leaf-spine");

    internal static BgpDesign Design(Fabric fabric, params string[] muxes) => BgpDesigner.Design(fabric, Vip, muxes, BgpSettings.Default);

    private static uint Asn(BgpDesign design, string speaker) => design.Speaker(speaker).Asn;

    [Fact]
    public void The_course_fat_tree_gets_shared_spine_and_pod_ASNs_and_a_private_ASN_per_ToR()
    {
        var design = Design(Course, "h1", "h2");
        Assert.Equal(3, design.Tiers);
        Assert.Equal(4_200_000_000u, Asn(design, "h1"));
        Assert.Equal(Asn(design, "h1"), Asn(design, "h2"));
        Assert.All(["c1", "c2", "c3", "c4"], c => Assert.Equal(4_200_000_001u, Asn(design, c)));
        // pod p holds a(2p-1), a(2p), t(2p-1), t(2p); its aggregation switches share one ASN, every ToR has its own
        for (var pod = 1; pod <= 4; pod++)
        {
            Assert.Equal(4_200_000_001u + (uint)pod, Asn(design, $"a{2 * pod - 1}"));
            Assert.Equal(Asn(design, $"a{2 * pod - 1}"), Asn(design, $"a{2 * pod}"));
            Assert.Equal(pod, design.Speaker($"t{2 * pod}").Pod);
        }
        var torAsns = Enumerable.Range(1, 8).Select(t => Asn(design, $"t{t}")).ToList();
        Assert.Equal(Enumerable.Range(0, 8).Select(i => 4_200_000_006u + (uint)i), torAsns);
        Assert.Equal([BgpRole.Leaf, BgpRole.Aggregation, BgpRole.Spine], new[] { "t1", "a1", "c1" }.Select(s => design.Speaker(s).Role));
    }

    [Fact]
    public void Every_switch_link_is_an_eBGP_session_over_the_link_addresses_and_each_mux_peers_with_its_ToR()
    {
        var fabric = Course;
        var design = Design(fabric, "h1", "h2");
        var switchLinks = fabric.Links.Where(l => fabric.IsSwitch(l.A.Node) && fabric.IsSwitch(l.B.Node)).ToList();
        Assert.Equal(switchLinks.Count + 2, design.SessionCount);
        foreach (var link in switchLinks)
        {
            var a = design.Speaker(link.A.Node).NeighborOf(link.B.Node)!;
            Assert.Equal(link.B.Address!.Value.Address, a.PeerAddress);
            Assert.Equal(link.A.Address!.Value.Address, a.LocalAddress);
            Assert.Equal(link.A.Name, a.Interface);
            Assert.False(a.Bfd);
            Assert.Equal((BgpDesign.FabricFilter, BgpDesign.FabricFilter), (a.ImportFilter, a.ExportFilter));
            Assert.NotEqual(Asn(design, link.A.Node), Asn(design, link.B.Node));
        }
        var h1 = design.Speaker("h1").Neighbors.Single();
        Assert.Equal(("t1", "10.13.1.1", "10.13.1.2", "h1-eth0"), (h1.Peer, h1.PeerAddress.ToString(), h1.LocalAddress.ToString(), h1.Interface));
        Assert.True(h1.Bfd);
        Assert.Equal((BgpDesign.NoneFilter, BgpDesign.VipFilter), (h1.ImportFilter, h1.ExportFilter));
        var fromMux = design.Speaker("t1").NeighborOf("h1")!;
        Assert.Equal((BgpDesign.VipFilter, BgpDesign.NoneFilter, true), (fromMux.ImportFilter, fromMux.ExportFilter, fromMux.Bfd));
        Assert.Null(design.Speaker("t2").NeighborOf("h3")); // a host that is no mux runs no BGP
    }

    [Fact]
    public void ToRs_originate_their_host_subnets_the_muxes_the_VIP_and_the_filters_carry_exactly_those()
    {
        var fabric = Course;
        var design = Design(fabric, "h1", "h2");
        Assert.Equal(["10.13.1.0/24", "10.13.2.0/24"], design.Speaker("t1").Originated.Select(p => p.ToString()));
        Assert.Empty(design.Speaker("a1").Originated);
        Assert.Equal(["20.0.0.1/32"], design.Speaker("h2").Originated.Select(p => p.ToString()));
        var fabricPrefixes = design.Filter(BgpDesign.FabricFilter).Permitted;
        Assert.Equal(fabric.Hosts.Length + 1, fabricPrefixes.Length);
        Assert.Equal(fabricPrefixes.Order(), fabricPrefixes);
        Assert.Empty(design.Filter(BgpDesign.NoneFilter).Permitted);
        Assert.Equal(["20.0.0.1/32"], design.Filter(BgpDesign.VipFilter).Permitted.Select(p => p.ToString()));
    }

    [Fact]
    public void Router_ids_are_unique_addresses_the_speakers_own()
    {
        var fabric = FatTree(8);
        var design = Design(fabric, "h1", "h100");
        Assert.Equal(design.Speakers.Length, design.Speakers.Select(s => s.RouterId).Distinct().Count());
        Assert.Equal(fabric.LinksOf("t1")[0].End("t1").Address!.Value.Address, design.Speaker("t1").RouterId);
        Assert.Equal(fabric.FindHost("h100")!.Address.Address, design.Speaker("h100").RouterId);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(8)]
    [InlineData(16)]
    public void Generated_fat_trees_get_one_ASN_for_the_cores_one_per_pod_and_one_per_ToR(int k)
    {
        var design = Design(FatTree(k), "h1", "h2");
        Assert.Equal(3, design.Tiers);
        Assert.Equal(1 + k + k * k / 2, design.Switches.Select(s => s.Asn).Distinct().Count());
        Assert.Single(design.Switches.Where(s => s.Role == BgpRole.Spine).Select(s => s.Asn).Distinct());
        Assert.Equal(k, design.Switches.Where(s => s.Role == BgpRole.Aggregation).Select(s => s.Pod).Distinct().Count());
        Assert.All(design.Switches.Where(s => s.Role == BgpRole.Aggregation).GroupBy(s => s.Pod), pod => Assert.Single(pod.Select(s => s.Asn).Distinct()));
        Assert.All(design.Switches.Where(s => s.Role == BgpRole.Leaf), leaf => Assert.Equal(k / 2, leaf.Neighbors.Count(n => design.Speaker(n.Peer).Role == BgpRole.Aggregation)));
        Assert.All(design.Switches, s => Assert.Equal(Math.Min(s.Neighbors.Length, BgpLimits.MaxEcmpWidth), s.MaximumPaths));
        Assert.DoesNotContain(design.Switches, s => s.MultipathRelax);
    }

    [Fact]
    public void Leaf_spine_leaves_are_unique_spines_shared_and_spines_relax_multipath_toward_muxes_under_two_leaves()
    {
        var design = Design(LeafSpine(4, 2, 3), "h1", "h4");
        Assert.Equal(2, design.Tiers);
        Assert.Equal(Asn(design, "s1"), Asn(design, "s2"));
        Assert.Equal(4, new[] { "l1", "l2", "l3", "l4" }.Select(l => Asn(design, l)).Distinct().Count());
        Assert.True(design.Speaker("s1").MultipathRelax);
        Assert.True(design.Speaker("s2").MultipathRelax);
        Assert.All(["l1", "l2", "l3", "l4"], l => Assert.False(design.Speaker(l).MultipathRelax));

        var oneLeaf = Design(LeafSpine(4, 2, 3), "h1", "h2");
        Assert.DoesNotContain(oneLeaf.Switches, s => s.MultipathRelax);
    }

    [Fact]
    public void Muxes_in_two_pods_make_the_cores_relax_multipath()
    {
        var design = Design(Course, "h1", "h5");
        Assert.All(["c1", "c2", "c3", "c4"], c => Assert.True(design.Speaker(c).MultipathRelax));
        Assert.All(["t1", "t3", "a1", "a3"], s => Assert.False(design.Speaker(s).MultipathRelax));
    }

    [Fact]
    public void A_link_inside_a_tier_is_refused_with_the_link()
    {
        var config = FabricGenerators.LeafSpine(3, 2, 1);
        var fabric = FabricLoader.FromAppConfig(config with { Links = config.Links.Add(new AppLink("l1", "l2", LinkOptions.None)) }, "leaf-spine+peer-link");
        var error = Assert.Throws<BgpDesignException>(() => Design(fabric, "h1"));
        Assert.StartsWith("link l1-l2 joins two switches with hosts; a Clos fabric (RFC 7938) links adjacent tiers only", error.Message);
        Assert.EndsWith("use switches.target: linux (static routes) for this fabric", error.Message);
        Assert.Null(error.Item);
    }

    [Fact]
    public void More_than_three_tiers_are_refused()
    {
        // A chain h1 - s1 - s2 - s3 - s4: four tiers.
        var config = new AppConfig(AssignmentStrategies.L3, ["h1"], ["s1", "s2", "s3", "s4"],
            [new AppLink("h1", "s1", LinkOptions.None), new AppLink("s1", "s2", LinkOptions.None), new AppLink("s2", "s3", LinkOptions.None), new AppLink("s3", "s4", LinkOptions.None)]);
        var error = Assert.Throws<BgpDesignException>(() => Design(FabricLoader.FromAppConfig(config, "chain"), "h1"));
        Assert.StartsWith("the fabric has 4 tiers (switch s4 is 3 switch hops from the nearest switch with hosts)", error.Message);
    }

    [Fact]
    public void A_switch_that_reaches_no_host_is_refused()
    {
        var config = new AppConfig(AssignmentStrategies.L3, ["h1"], ["s1", "s2"], [new AppLink("h1", "s1", LinkOptions.None)]);
        var error = Assert.Throws<BgpDesignException>(() => Design(FabricLoader.FromAppConfig(config, "stranded"), "h1"));
        Assert.StartsWith("switch s2 has no path to a switch with hosts", error.Message);
    }

    [Theory]
    [InlineData(65_525u, "the fabric needs 14 ASNs (muxes, spines, 4 pods, 8 leaves) but only 10 private ASNs follow 65525; use at most 65521, or a 4-byte base such as 4200000000")]
    [InlineData(4_294_967_290u, "the fabric needs 14 ASNs (muxes, spines, 4 pods, 8 leaves) but only 5 private ASNs follow 4294967290; use at most 4294967281, or a 4-byte base such as 4200000000")]
    public void An_ASN_base_without_room_for_the_fabric_is_refused_at_bgp_asn_base(uint asnBase, string message)
    {
        var error = Assert.Throws<BgpDesignException>(() => BgpDesigner.Design(Course, Vip, ["h1"], BgpSettings.Default with { AsnBase = asnBase }));
        Assert.Equal(message, error.Message);
        Assert.Equal("bgp.asn_base", error.Item);
    }

    [Fact]
    public void A_two_byte_private_base_numbers_from_there()
    {
        var design = BgpDesigner.Design(Course, Vip, ["h1"], BgpSettings.Default with { AsnBase = 64_512 });
        Assert.Equal(64_512u, Asn(design, "h1"));
        Assert.Equal(64_512u + 13, design.Speakers.Max(s => s.Asn));
    }
}
