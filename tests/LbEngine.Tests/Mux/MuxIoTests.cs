using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Packets;
using Lb.Engine.Mux;
using Lb.Engine.Tests.Support;
using PacketDotNet;
using PacketDotNet.Utils;

namespace Lb.Engine.Tests.Mux;

public class MuxIoTests
{
    [Fact]
    public void Capture_filter_sees_traffic_from_and_to_every_vip_but_not_our_own()
    {
        var config = TestConfigs.Mux() with
        {
            Vips = [new VipConfig(Ipv4Address.Parse("20.0.0.1"), [new VipPort(TransportProtocol.Tcp, 80)]), new VipConfig(Ipv4Address.Parse("20.0.0.2"), [new VipPort(TransportProtocol.Tcp, 80)])],
        };
        Assert.Equal("inbound and ip and (host 20.0.0.1 or host 20.0.0.2)", MuxEngine.CaptureFilter(config));
    }

    [Fact]
    public void Arp_request_is_well_formed_and_the_reply_is_understood()
    {
        var own = Ipv4Address.Parse("10.13.1.2");
        var gateway = Ipv4Address.Parse("10.13.1.1");
        var request = GatewayResolver.BuildRequest(TestFrames.MuxMac, own, gateway);
        var arp = (ArpPacket)new EthernetPacket(new ByteArraySegment(request)).PayloadPacket;
        Assert.Equal(ArpOperation.Request, arp.Operation);
        Assert.Equal("10.13.1.1", arp.TargetProtocolAddress.ToString());
        Assert.Equal("10.13.1.2", arp.SenderProtocolAddress.ToString());
        Assert.Equal(TestFrames.Physical(TestFrames.MuxMac), arp.SenderHardwareAddress);

        // The gateway's answer: swap roles, fill in its MAC.
        var reply = (byte[])request.Clone();
        var body = reply.AsSpan(EthernetHeader.Length);
        body[7] = 2;
        TestFrames.GatewayMac.WriteTo(body[8..]);
        gateway.WriteTo(body[14..]);
        TestFrames.MuxMac.WriteTo(body[18..]);
        own.WriteTo(body[24..]);
        Assert.Equal(TestFrames.GatewayMac, GatewayResolver.ParseReply(reply, gateway));
        Assert.Null(GatewayResolver.ParseReply(reply, Ipv4Address.Parse("10.13.1.9")));
        Assert.Null(GatewayResolver.ParseReply(request, gateway)); // a request is not an answer
    }
}
