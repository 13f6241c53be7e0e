using Lb.Core.Addressing;
using Lb.Core.Flows;
using Lb.Core.Packets;
using Lb.Engine.Tests.Support;

namespace Lb.Engine.Tests.Flows;

public class FlowKeyTests
{
    private static FlowKey KeyOf(byte[] frame, out FlowClass flowClass)
    {
        var ip = TestFrames.IpOf(frame);
        Assert.Equal(DropReason.None, FlowKeyExtractor.Extract(ip, out var key, out flowClass));
        return key;
    }

    [Fact]
    public void Tcp_and_udp_use_the_five_tuple()
    {
        var key = KeyOf(TestFrames.Tcp("192.0.2.7", 40000, "20.0.0.1", 80), out var flowClass);
        Assert.Equal(FlowClass.Transport, flowClass);
        Assert.Equal(FlowKey.Create(Ipv4Address.Parse("192.0.2.7"), 40000, Ipv4Address.Parse("20.0.0.1"), 80, IpProtocol.Tcp), key);

        var udp = KeyOf(TestFrames.Udp("192.0.2.7", 5000, "20.0.0.1", 53), out _);
        Assert.Equal(FlowKey.Create(Ipv4Address.Parse("192.0.2.7"), 5000, Ipv4Address.Parse("20.0.0.1"), 53, IpProtocol.Udp), udp);
    }

    [Fact]
    public void Every_fragment_of_a_datagram_gets_the_same_key()
    {
        var whole = TestFrames.Udp("192.0.2.7", 5000, "20.0.0.1", 53, 100);
        var first = KeyOf(TestFrames.AsFragment(whole, moreFragments: true, 0), out var firstClass);
        var later = KeyOf(TestFrames.AsFragment(whole, moreFragments: false, 10), out var laterClass);
        Assert.Equal(FlowClass.Fragment, firstClass);
        Assert.Equal(FlowClass.Fragment, laterClass);
        Assert.Equal(first, later);
        Assert.Equal(0, first.SourcePort);
    }

    [Fact]
    public void Icmp_echo_is_keyed_by_identifier()
    {
        var a = KeyOf(TestFrames.EchoRequest("192.0.2.7", "20.0.0.1", 77, 1), out var flowClass);
        var b = KeyOf(TestFrames.EchoRequest("192.0.2.7", "20.0.0.1", 77, 2), out _);
        var c = KeyOf(TestFrames.EchoRequest("192.0.2.7", "20.0.0.1", 78, 1), out _);
        Assert.Equal(FlowClass.IcmpEcho, flowClass);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Icmp_error_about_a_server_reply_maps_to_the_client_flow()
    {
        var clientFlow = KeyOf(TestFrames.Tcp("192.0.2.7", 40000, "20.0.0.1", 80), out _);
        var reply = TestFrames.IpOf(TestFrames.Tcp("20.0.0.1", 80, "192.0.2.7", 40000, 1400));
        var error = TestFrames.Icmp("198.51.100.1", "20.0.0.1", IcmpHeader.TypeDestinationUnreachable, IcmpHeader.CodeFragmentationNeeded, 1200, reply.AsSpan(0, 28));
        var key = KeyOf(error, out var flowClass);
        Assert.Equal(FlowClass.IcmpError, flowClass);
        Assert.Equal(clientFlow, key);
    }

    [Fact]
    public void Short_transport_headers_are_reported()
    {
        var frame = TestFrames.Tcp("192.0.2.7", 40000, "20.0.0.1", 80);
        var ip = TestFrames.IpOf(frame)[..30];
        ip[3] = 30;
        Ipv4Header.UpdateChecksum(ip);
        Assert.Equal(DropReason.BadTransportHeader, FlowKeyExtractor.Extract(ip, out _, out _));
    }

    [Fact]
    public void Flow_hash_is_seeded_and_stable_across_processes()
    {
        var key = FlowKey.Create(Ipv4Address.Parse("10.5.3.2"), 40000, Ipv4Address.Parse("20.0.0.1"), 80, IpProtocol.Tcp);
        // Golden values: a change here changes which DIP every existing flow maps to on every mux.
        Assert.Equal(FlowHash.Compute(key, 0), FlowHash.Compute(key, 0));
        Assert.NotEqual(FlowHash.Compute(key, 0), FlowHash.Compute(key, 1));
        Assert.Equal(GoldenHashes.Seed0, FlowHash.Compute(key, 0));
        Assert.Equal(GoldenHashes.Seed42, FlowHash.Compute(key, 42));
    }

    [Fact]
    public void Flow_hash_spreads_source_ports_evenly()
    {
        var buckets = new int[16];
        for (ushort port = 1024; port < 1024 + 16000; port++)
            buckets[FlowHash.Compute(FlowKey.Create(Ipv4Address.Parse("10.5.3.2"), port, Ipv4Address.Parse("20.0.0.1"), 80, IpProtocol.Tcp), 0) % 16]++;
        Assert.All(buckets, count => Assert.InRange(count, 900, 1100));
    }
}
