using System.Buffers.Binary;
using System.Text;
using Lbdeploy.Verification;

namespace Lbdeploy.Ecmp;

/// <summary>
/// The Linux kernel's IPv4 ECMP choice on a forwarded packet, as the linux and frr targets configure every switch:
/// <c>fib_multipath_hash_policy=3</c> (custom) over <see cref="Fields"/> with a pinned
/// <c>fib_multipath_hash_seed</c> (<see cref="SwitchSeed"/>), then hash-threshold among equal-weight next hops in the
/// route's order. Mirrors net/ipv4/route.c (fib_multipath_custom_hash_outer/_inner/_skb),
/// net/core/flow_dissector.c (flow_hash_from_keys_seed: symmetric keys, SipHash-2-4 over struct flow_keys from
/// <c>basic</c> to the IPv4 addresses) and net/ipv4/fib_semantics.c (fib_rebalance, fib_select_multipath).
/// </summary>
public static class KernelMultipath
{
    // fib_multipath_hash_fields bits (Documentation/networking/ip-sysctl.rst).
    public const uint SourceIp = 0x0001, DestinationIp = 0x0002, IpProtocol = 0x0004, SourcePort = 0x0010, DestinationPort = 0x0020;
    public const uint InnerSourceIp = 0x0040, InnerDestinationIp = 0x0080, InnerIpProtocol = 0x0100, InnerSourcePort = 0x0400, InnerDestinationPort = 0x0800;
    private const uint OuterMask = 0x003F, InnerMask = 0x0FC0;

    /// <summary>
    /// What every switch hashes: the outer 5-tuple and, for IP-in-IP (which the flow dissector treats as
    /// encapsulation), the inner 5-tuple too, so the flows one mux tunnels to one DIP spread over the fabric.
    /// </summary>
    public const uint Fields = SourceIp | DestinationIp | IpProtocol | SourcePort | DestinationPort
        | InnerSourceIp | InnerDestinationIp | InnerIpProtocol | InnerSourcePort | InnerDestinationPort;

    /// <summary>fib_multipath_hash_policy 3: hash the fields <see cref="Fields"/> names (custom multipath hash).</summary>
    public const int Policy = 3;

    /// <summary>fib_multipath_hash_fields as a sysctl value (0x0df7).</summary>
    public static string FieldsText => $"0x{Fields:x4}";

    /// <summary>
    /// The seed one switch's kernel gets: SipHash-2-4 of the switch's name keyed with the fabric seed, low 32 bits.
    /// Distinct per switch so successive hops do not repeat one another's choice (with one seed everywhere a flow that
    /// takes branch 0 at an edge switch takes branch 0 at the aggregation switch too, and half the core paths stay
    /// idle); never 0, which the kernel reads as "random".
    /// </summary>
    public static uint SwitchSeed(uint fabricSeed, string switchName)
    {
        var key = ((ulong)fabricSeed << 32) | fabricSeed;
        var seed = (uint)SipHash24(key, key, Encoding.UTF8.GetBytes(switchName));
        return seed == 0 ? 1 : seed;
    }

    /// <summary>
    /// The 31-bit hash the kernel computes for a packet: <paramref name="outer"/> is its IPv4 header (ports 0 unless
    /// TCP or UDP, and 0 for IP-in-IP), <paramref name="inner"/> the tunnelled packet's 5-tuple for IP-in-IP, else null.
    /// </summary>
    public static uint Hash(uint seed, FlowTuple outer, FlowTuple? inner)
    {
        var outerHash = KeysHash(seed, outer, SourceIp, DestinationIp, IpProtocol, SourcePort, DestinationPort);
        var innerHash = inner is { } tunnelled && (Fields & InnerMask) != 0
            ? KeysHash(seed, tunnelled, InnerSourceIp, InnerDestinationIp, InnerIpProtocol, InnerSourcePort, InnerDestinationPort)
            : 0;
        return JHash2Words(outerHash, innerHash, 0) >> 1;
    }

    /// <summary>
    /// The next hop hash-threshold picks among <paramref name="branches"/> equal-weight next hops: the first whose
    /// upper bound (round((i + 1) * 2^31 / n) - 1, fib_rebalance) is at least the hash.
    /// </summary>
    public static int Select(uint hash, int branches)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(branches, 1);
        for (var i = 0; i < branches - 1; i++)
        {
            var upper = ((((ulong)(i + 1)) << 31) + (ulong)branches / 2) / (ulong)branches - 1;
            if (hash <= upper) return i;
        }
        return branches - 1;
    }

    /// <summary>flow_hash_from_keys_seed over the chosen fields of one header (the kernel's hash_keys).</summary>
    private static uint KeysHash(uint seed, FlowTuple tuple, uint srcBit, uint dstBit, uint protoBit, uint sportBit, uint dportBit)
    {
        if ((Fields & (srcBit | dstBit | protoBit | sportBit | dportBit)) == 0) return 0;
        // The dissector finds ports only in TCP and UDP (of the protocols the fabric carries).
        var hasPorts = tuple.Protocol is FlowTuple.Tcp or FlowTuple.Udp;
        Span<byte> source = stackalloc byte[4], destination = stackalloc byte[4];
        if ((Fields & srcBit) != 0) tuple.Source.WriteTo(source); else source.Clear();
        if ((Fields & dstBit) != 0) tuple.Destination.WriteTo(destination); else destination.Clear();
        var sport = hasPorts && (Fields & sportBit) != 0 ? tuple.SourcePort : (ushort)0;
        var dport = hasPorts && (Fields & dportBit) != 0 ? tuple.DestinationPort : (ushort)0;
        var protocol = (Fields & protoBit) != 0 ? tuple.Protocol : (byte)0;

        // __flow_hash_consistentify: the addresses and the ports are each put in order, compared as the CPU (little
        // endian) reads the network-order fields, so both directions of a flow hash alike.
        if (BinaryPrimitives.ReadUInt32LittleEndian(destination) < BinaryPrimitives.ReadUInt32LittleEndian(source))
        {
            Span<byte> swap = stackalloc byte[4];
            source.CopyTo(swap);
            destination.CopyTo(source);
            swap.CopyTo(destination);
        }
        if (ByteSwapped(dport) < ByteSwapped(sport)) (sport, dport) = (dport, sport);

        // struct flow_keys from `basic` on: basic (n_proto, ip_proto, padding), tags, vlan, cvlan, keyid, ports,
        // icmp, then the IPv4 addresses; the hashed length runs to the end of the struct minus the unused address
        // space (48 bytes on x86-64), all zero but what is set here.
        Span<byte> keys = stackalloc byte[48];
        keys.Clear();
        keys[2] = protocol;
        BinaryPrimitives.WriteUInt16BigEndian(keys[28..], sport);
        BinaryPrimitives.WriteUInt16BigEndian(keys[30..], dport);
        source.CopyTo(keys[36..]);
        destination.CopyTo(keys[40..]);
        var key = ((ulong)seed << 32) | seed; // fib_multipath_hash_construct_key
        var hash = (uint)SipHash24(key, key, keys);
        return hash == 0 ? 1 : hash;
    }

    private static ushort ByteSwapped(ushort value) => BinaryPrimitives.ReverseEndianness(value);

    /// <summary>jhash_2words (include/linux/jhash.h).</summary>
    internal static uint JHash2Words(uint a, uint b, uint initval)
    {
        var iv = initval + 0xdeadbeef + (2 << 2);
        a += iv;
        b += iv;
        var c = iv;
        c ^= b; c -= uint.RotateLeft(b, 14);
        a ^= c; a -= uint.RotateLeft(c, 11);
        b ^= a; b -= uint.RotateLeft(a, 25);
        c ^= b; c -= uint.RotateLeft(b, 16);
        a ^= c; a -= uint.RotateLeft(c, 4);
        b ^= a; b -= uint.RotateLeft(a, 14);
        c ^= b; c -= uint.RotateLeft(b, 24);
        return c;
    }

    /// <summary>SipHash-2-4 with a 64-bit result (lib/siphash.c), the message read as little-endian words.</summary>
    internal static ulong SipHash24(ulong k0, ulong k1, ReadOnlySpan<byte> data)
    {
        var v0 = k0 ^ 0x736f6d6570736575UL;
        var v1 = k1 ^ 0x646f72616e646f6dUL;
        var v2 = k0 ^ 0x6c7967656e657261UL;
        var v3 = k1 ^ 0x7465646279746573UL;
        var whole = data.Length & ~7;
        for (var i = 0; i < whole; i += 8)
        {
            var m = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            v3 ^= m;
            Round(ref v0, ref v1, ref v2, ref v3);
            Round(ref v0, ref v1, ref v2, ref v3);
            v0 ^= m;
        }
        var last = (ulong)(data.Length & 0xff) << 56;
        for (var i = whole; i < data.Length; i++) last |= (ulong)data[i] << (8 * (i - whole));
        v3 ^= last;
        Round(ref v0, ref v1, ref v2, ref v3);
        Round(ref v0, ref v1, ref v2, ref v3);
        v0 ^= last;
        v2 ^= 0xff;
        for (var i = 0; i < 4; i++) Round(ref v0, ref v1, ref v2, ref v3);
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static void Round(ref ulong v0, ref ulong v1, ref ulong v2, ref ulong v3)
    {
        v0 += v1; v1 = ulong.RotateLeft(v1, 13); v1 ^= v0; v0 = ulong.RotateLeft(v0, 32);
        v2 += v3; v3 = ulong.RotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = ulong.RotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = ulong.RotateLeft(v1, 17); v1 ^= v2; v2 = ulong.RotateLeft(v2, 32);
    }
}
