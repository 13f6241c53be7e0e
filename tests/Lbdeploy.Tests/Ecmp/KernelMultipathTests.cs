using Lb.Core.Addressing;
using Lbdeploy.Verification;
using Lbdeploy.Ecmp;

namespace Lbdeploy.Tests.Ecmp;

/// <summary>
/// The kernel's multipath choice as <see cref="KernelMultipath"/> computes it. The expected values are what a 6.18
/// kernel did: a router namespace with 2, 3 and 4 equal next hops, policy 3, fields 0x0df7 and each seed below,
/// forwarding plain TCP/UDP/ICMP and IP-in-IP packets (1700 flows, every one on the predicted next hop).
/// </summary>
public sealed class KernelMultipathTests
{
    private static FlowTuple Tuple(string source, string destination, byte protocol, ushort sourcePort = 0, ushort destinationPort = 0) =>
        new(Ipv4Address.Parse(source), Ipv4Address.Parse(destination), protocol, sourcePort, destinationPort);

    public static TheoryData<uint, string, string, byte, ushort, ushort, uint, int, int, int> Plain => new()
    {
        { 12345, "10.13.1.2", "10.14.1.2", 6, 40000, 80, 349645735, 0, 0, 0 },
        { 1, "10.15.2.2", "20.0.0.1", 17, 5353, 53, 80370462, 0, 0, 0 },
        { 4294967295, "10.3.3.3", "10.99.1.1", 1, 0, 0, 1026381441, 0, 1, 1 },
    };

    [Theory]
    [MemberData(nameof(Plain))]
    public void A_plain_packet_hashes_its_five_tuple(uint seed, string source, string destination, byte protocol, ushort sport, ushort dport,
        uint hash, int of2, int of3, int of4)
    {
        var computed = KernelMultipath.Hash(seed, Tuple(source, destination, protocol, sport, dport), null);
        Assert.Equal(hash, computed);
        Assert.Equal([of2, of3, of4], [KernelMultipath.Select(computed, 2), KernelMultipath.Select(computed, 3), KernelMultipath.Select(computed, 4)]);
    }

    [Theory]
    [InlineData(777u, 30000, 106845037u, 0, 0, 0)]
    [InlineData(777u, 30001, 983733736u, 0, 1, 1)]
    [InlineData(2024u, 30001, 1880959199u, 1, 2, 3)]
    [InlineData(2024u, 30002, 1140451714u, 1, 1, 2)]
    [InlineData(2024u, 30006, 551753505u, 0, 0, 1)]
    public void A_tunnelled_packet_hashes_the_inner_five_tuple_too(uint seed, int innerSourcePort, uint hash, int of2, int of3, int of4)
    {
        var outer = seed == 777 ? Tuple("10.13.1.2", "10.99.3.2", 4) : Tuple("10.13.1.2", "10.14.2.2", 4);
        var inner = seed == 777 ? Tuple("10.14.1.2", "20.0.0.1", 6, (ushort)innerSourcePort, 80) : Tuple("10.5.1.2", "20.0.0.1", 6, (ushort)innerSourcePort, 80);
        var computed = KernelMultipath.Hash(seed, outer, inner);
        Assert.Equal(hash, computed);
        Assert.Equal([of2, of3, of4], [KernelMultipath.Select(computed, 2), KernelMultipath.Select(computed, 3), KernelMultipath.Select(computed, 4)]);
    }

    [Fact]
    public void One_outer_pair_spreads_over_every_branch_by_its_inner_ports()
    {
        var outer = Tuple("10.13.1.2", "10.20.4.2", 4);
        var counts = new int[4];
        for (ushort port = 20000; port < 24000; port++)
            counts[KernelMultipath.Select(KernelMultipath.Hash(5, outer, Tuple("10.5.1.2", "20.0.0.1", 6, port, 80)), 4)]++;
        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
    }

    [Fact]
    public void The_hash_is_symmetric_as_the_kernel_orders_addresses_and_ports()
    {
        var there = KernelMultipath.Hash(9, Tuple("10.1.2.3", "10.4.5.6", 6, 1000, 80), null);
        Assert.Equal(there, KernelMultipath.Hash(9, Tuple("10.4.5.6", "10.1.2.3", 6, 80, 1000), null));
    }

    [Fact]
    public void Hash_threshold_bounds_split_the_31_bit_range_evenly()
    {
        Assert.Equal(0, KernelMultipath.Select(0, 3));
        Assert.Equal(0, KernelMultipath.Select(715827882, 3));  // round(2^31 / 3) - 1
        Assert.Equal(1, KernelMultipath.Select(715827883, 3));
        Assert.Equal(2, KernelMultipath.Select(int.MaxValue, 3));
        Assert.Equal(0, KernelMultipath.Select(int.MaxValue, 1));
    }

    [Fact]
    public void SipHash_matches_the_reference_vector()
    {
        // SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e.
        var message = Enumerable.Range(0, 15).Select(i => (byte)i).ToArray();
        Assert.Equal(0xa129ca6149be45e5UL, KernelMultipath.SipHash24(0x0706050403020100UL, 0x0f0e0d0c0b0a0908UL, message));
    }

    [Fact]
    public void Each_switch_gets_its_own_nonzero_seed_from_the_fabric_seed()
    {
        var names = new[] { "t1", "t2", "a1", "a2", "c1", "c2", "c3", "c4" };
        var seeds = names.Select(n => KernelMultipath.SwitchSeed(1, n)).ToList();
        Assert.Equal(names.Length, seeds.Distinct().Count());
        Assert.DoesNotContain(0u, seeds);
        Assert.Equal(seeds, names.Select(n => KernelMultipath.SwitchSeed(1, n)));
        Assert.NotEqual(seeds[0], KernelMultipath.SwitchSeed(2, "t1"));
    }
}
