using System.Net;
using System.Net.Sockets;
using Lb.Core.Addressing;
using Lb.Core.Config;
using Lb.Core.Flows;
using Lb.Core.Packets;
using Lb.Engine.Agent;
using Lb.Engine.PacketIo;
using Lb.Engine.Policy;
using Lb.Engine.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Lb.Engine.Tests.SecondChance;

public class AgentSecondChanceTests
{
    private const string Own = "10.19.13.2", PeerB = "10.19.14.2", PeerC = "10.20.15.2", Stranger = "10.20.16.2";

    /// <summary>The kernel as the test says: the flows in <see cref="Connections"/> exist; every question is counted.</summary>
    private sealed class StubKernel : IKernelConnections
    {
        public HashSet<FlowKey> Connections { get; } = [];
        public int Questions { get; private set; }

        public bool HasConnection(in FlowKey flow)
        {
            Questions++;
            return Connections.Contains(flow);
        }
    }

    private readonly StubKernel _kernel = new();
    private readonly FakeTimeProvider _time = new();

    private AgentPacketHandler Handler(bool enabled = true)
    {
        var config = TestConfigs.Agent(Own) with
        {
            SecondChance = new SecondChanceConfig(enabled)
            {
                Peers = [new PeerConfig("h14", Ipv4Address.Parse(PeerB)), new PeerConfig("h15", Ipv4Address.Parse(PeerC))],
            },
        };
        return new AgentPacketHandler(new AgentState(config), new EngineCounters(), new AgentSecondChance(config.Connections, _kernel, _time));
    }

    /// <summary>An encapsulated packet as a mux (or peer) sends it, with the option when there are alternates.</summary>
    private static byte[] Encapsulated(byte[] innerFrame, string from = TestConfigs.MuxAddress, params string[] alternates)
    {
        var inner = TestFrames.IpOf(innerFrame);
        var optionLength = SecondChanceOption.Length(alternates.Length);
        var packet = new byte[20 + optionLength + inner.Length];
        if (optionLength > 0) SecondChanceOption.Write(packet.AsSpan(20), alternates.Select(a => Ipv4Address.Parse(a).Value).ToArray());
        Ipv4Header.Write(packet, packet.Length, 1, 0, 64, IpProtocol.IpInIp, Ipv4Address.Parse(from).Value, Ipv4Address.Parse(Own).Value, optionsLength: optionLength);
        inner.CopyTo(packet, 20 + optionLength);
        return packet;
    }

    private static byte[] Segment(ushort port = 40000, bool syn = false) => TestFrames.Tcp("10.5.3.2", port, TestConfigs.Vip, 80, 50, syn: syn);

    private static FlowKey KeyOf(byte[] frame)
    {
        FlowKeyExtractor.Extract(TestFrames.IpOf(frame), out var key, out _);
        return key;
    }

    private static void Delivered(AgentPacketHandler handler, byte[] packet, byte[] frame)
    {
        Assert.Equal(DropReason.None, handler.Handle(packet, out var offset, out var length));
        Assert.False(handler.Redirected);
        Assert.Equal(TestFrames.IpOf(frame), packet.AsSpan(offset, length).ToArray());
    }

    [Fact]
    public void A_connection_it_opened_is_local_without_asking_the_kernel()
    {
        var handler = Handler();
        Delivered(handler, Encapsulated(Segment(syn: true)), Segment(syn: true));
        Delivered(handler, Encapsulated(Segment(), alternates: PeerB), Segment());
        Assert.Equal(0, _kernel.Questions);
    }

    [Fact]
    public void A_prefetch_hint_changes_nothing_and_takes_any_bytes()
    {
        var handler = Handler();
        var packet = Encapsulated(Segment(), alternates: PeerB);
        for (var length = 0; length <= packet.Length; length++) handler.Prefetch(packet.AsSpan(0, length));
        var random = new Random(7);
        var noise = new byte[80];
        for (var i = 0; i < 2000; i++)
        {
            random.NextBytes(noise);
            noise[0] = (byte)(0x40 | (noise[0] & 0x0F)); // any header length, options or not
            handler.Prefetch(noise.AsSpan(0, random.Next(noise.Length + 1)));
        }
        Assert.Equal(0, handler.Counters.PacketsIn);
        Assert.Equal(0, _kernel.Questions);
        // The hinted flow is handled as it would be without the hint: not local, so redirected.
        Assert.Equal(DropReason.None, handler.Handle(packet, out _, out _));
        Assert.True(handler.Redirected);
    }

    [Fact]
    public void After_the_client_closes_a_new_connection_on_the_same_port_that_lives_elsewhere_is_redirected()
    {
        var handler = Handler();
        Delivered(handler, Encapsulated(Segment(syn: true)), Segment(syn: true));
        var fin = TestFrames.Tcp("10.5.3.2", 40000, TestConfigs.Vip, 80, fin: true);
        Delivered(handler, Encapsulated(fin), fin);
        // The client reused the port; this connection's SYN went to h14, and a mux that did not see it sends here.
        Assert.Equal(DropReason.None, handler.Handle(Encapsulated(Segment(), alternates: PeerB), out _, out _));
        Assert.True(handler.Redirected);
        Assert.Equal(1, _kernel.Questions);
    }

    [Fact]
    public void A_connection_the_kernel_has_is_local_and_asked_about_once()
    {
        var handler = Handler();
        _kernel.Connections.Add(KeyOf(Segment()));
        Delivered(handler, Encapsulated(Segment(), alternates: PeerB), Segment());
        Delivered(handler, Encapsulated(Segment(), alternates: PeerB), Segment());
        Assert.Equal(1, _kernel.Questions);
    }

    [Fact]
    public void Not_local_goes_to_the_first_alternate_with_the_rest_of_the_list()
    {
        var handler = Handler();
        var frame = Segment();
        Assert.Equal(DropReason.None, handler.Handle(Encapsulated(frame, alternates: [PeerB, PeerC]), out _, out var length));
        Assert.Equal(0, length);
        Assert.True(handler.Redirected);
        var sent = handler.Redirect.ToArray();
        var outer = new Ipv4Header(sent);
        Assert.Equal(DropReason.None, Ipv4Validator.Validate(sent, out var total));
        Assert.Equal(sent.Length, total);
        Assert.Equal(Ipv4Address.Parse(Own).Value, outer.SourceValue);
        Assert.Equal(Ipv4Address.Parse(PeerB).Value, outer.DestinationValue);
        Assert.Equal(IpProtocol.IpInIp, outer.Protocol);
        SecondChanceOption.Find(outer.Options, out var option, out var found);
        Assert.True(found);
        Assert.Equal(1, option.Count);
        Assert.Equal(Ipv4Address.Parse(PeerC).Value, option[0]);
        Assert.Equal(TestFrames.IpOf(frame), sent[outer.HeaderLength..]);
        Assert.Equal(1, handler.State.FindPeer(Ipv4Address.Parse(PeerB).Value)!.RedirectedOut);
        Assert.Equal(1, handler.Counters.Forwarded); // packets_in == forwarded + drops: a redirect is forwarded

        // The last alternate gets no option: it delivers unconditionally. The answer was cached: one kernel question.
        Assert.Equal(DropReason.None, handler.Handle(Encapsulated(frame, alternates: PeerC), out _, out _));
        var last = new Ipv4Header(handler.Redirect);
        Assert.Equal(20, last.HeaderLength);
        Assert.Equal(Ipv4Address.Parse(PeerC).Value, last.DestinationValue);
        Assert.Equal(1, _kernel.Questions);
    }

    [Fact]
    public void A_peer_delivers_what_it_receives_without_the_option_and_counts_it()
    {
        var handler = Handler();
        Delivered(handler, Encapsulated(Segment(), from: PeerB), Segment());
        Assert.Equal(1, handler.State.FindPeer(Ipv4Address.Parse(PeerB).Value)!.RedirectedIn);
        Assert.Equal(0, handler.State.Muxes.Sum(m => m.Packets));
        Assert.Equal(0, _kernel.Questions);
    }

    [Fact]
    public void Without_the_option_and_for_syns_udp_or_unknown_alternates_it_delivers()
    {
        var handler = Handler();
        Delivered(handler, Encapsulated(Segment()), Segment());
        Delivered(handler, Encapsulated(Segment(41000, syn: true), alternates: PeerB), Segment(41000, syn: true));
        Delivered(handler, Encapsulated(Segment(42000), alternates: Stranger), Segment(42000)); // no peer to send to
        Assert.Equal(1, _kernel.Questions); // only the last one needed an answer
    }

    [Fact]
    public void A_syn_clears_a_cached_not_local_answer()
    {
        var handler = Handler();
        handler.Handle(Encapsulated(Segment(), alternates: PeerB), out _, out _);
        Assert.True(handler.Redirected);
        Delivered(handler, Encapsulated(Segment(syn: true)), Segment(syn: true));
        Delivered(handler, Encapsulated(Segment(), alternates: PeerB), Segment());
    }

    [Fact]
    public void Unknown_sources_and_malformed_options_are_dropped_by_reason()
    {
        var handler = Handler();
        Assert.Equal(DropReason.UnknownMux, handler.Handle(Encapsulated(Segment(), from: Stranger), out _, out _));
        var bad = Encapsulated(Segment(), alternates: PeerB);
        bad[21] = 6; // option length not 4 + 4n
        Ipv4Header.UpdateChecksum(bad);
        Assert.Equal(DropReason.BadSecondChanceOption, handler.Handle(bad, out _, out _));
        Assert.Equal(1, handler.Counters.Drops[(int)DropReason.BadSecondChanceOption]);
    }

    [Fact]
    public void Turned_off_it_ignores_the_option_and_peers_as_before()
    {
        var handler = Handler(enabled: false);
        Delivered(handler, Encapsulated(Segment(), alternates: PeerB), Segment());
        Assert.Equal(DropReason.UnknownMux, handler.Handle(Encapsulated(Segment(), from: PeerB), out _, out _));
        Assert.Equal(0, _kernel.Questions);
    }

    [Fact]
    public void Mux_output_after_a_pool_change_is_redirected_by_the_new_owner_and_delivered_by_the_old()
    {
        var muxConfig = TestConfigs.Mux(("h13", Own, 1), ("h14", PeerB, 1)) with { SecondChance = new SecondChanceConfig(true) };
        var mux = new Lb.Engine.Mux.MuxPacketHandler(
            new Lb.Engine.Mux.MuxState(muxConfig, TestFrames.MuxMac, TestFrames.GatewayMac, new HashSet<string>(), time: _time),
            new ConnectionTable(64, TimeSpan.FromSeconds(120), _time), new EngineCounters());
        var before = mux.State;
        mux.State = new Lb.Engine.Mux.MuxState(muxConfig, TestFrames.MuxMac, TestFrames.GatewayMac, new HashSet<string> { "h14" }, before, time: _time);
        ushort port = 30000;
        while (before.Table.Lookup(KeyOf(Segment(port)))!.Name != "h14") port++;

        var output = new byte[Lb.Engine.Mux.MuxPacketHandler.OutputBufferSize];
        Assert.Equal(Lb.Engine.Mux.MuxVerdict.Forward, mux.Handle(Segment(port), output, out var length));
        var atH13 = Handler();
        Assert.Equal(DropReason.None, atH13.Handle(output.AsSpan(EthernetHeader.Length, length - EthernetHeader.Length), out _, out _));
        Assert.True(atH13.Redirected);

        var h14Config = TestConfigs.Agent(PeerB) with
        {
            SecondChance = new SecondChanceConfig(true) { Peers = [new PeerConfig("h13", Ipv4Address.Parse(Own))] },
        };
        var atH14 = new AgentPacketHandler(new AgentState(h14Config), new EngineCounters(), new AgentSecondChance(h14Config.Connections, _kernel, _time));
        var redirected = atH13.Redirect.ToArray();
        Assert.Equal(DropReason.None, atH14.Handle(redirected, out var offset, out var innerLength));
        Assert.False(atH14.Redirected);
        Assert.Equal(TestFrames.IpOf(Segment(port)), redirected.AsSpan(offset, innerLength).ToArray());
    }
}

/// <summary>The real kernel: sock_diag finds an accepted connection on 127.0.0.1 and not a made-up one.</summary>
public class SockDiagKernelTests
{
    [RootFact]
    public void Finds_an_accepted_connection_and_not_a_random_four_tuple_or_the_listener()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = (ushort)((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        using var accepted = listener.AcceptTcpClient();
        var clientPort = (ushort)((IPEndPoint)client.Client.LocalEndPoint!).Port;
        var loopback = Ipv4Address.Parse("127.0.0.1").Value;

        using var diag = SockDiag.Open();
        // As the agent asks: the client's flow to the server's address and port.
        Assert.True(diag.HasConnection(new FlowKey(loopback, loopback, clientPort, port, IpProtocol.Tcp)));
        // The listener is what the kernel's exact lookup falls back to: not a connection.
        Assert.False(diag.HasConnection(new FlowKey(loopback, loopback, (ushort)(clientPort ^ 0x5A5A), port, IpProtocol.Tcp)));
        Assert.False(diag.HasConnection(new FlowKey(Ipv4Address.Parse("10.77.1.9").Value, Ipv4Address.Parse("10.77.1.10").Value, 4321, 80, IpProtocol.Tcp)));
        Assert.Equal(3, diag.Lookups);
        Assert.True(diag.Nanoseconds > 0);
    }

    [RootFact]
    public async Task A_server_that_closed_first_holds_the_flow_until_time_wait_and_not_after()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = (ushort)((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new TcpClient();
        client.Connect(IPAddress.Loopback, port);
        var accepted = listener.AcceptTcpClient();
        var clientPort = (ushort)((IPEndPoint)client.Client.LocalEndPoint!).Port;
        var loopback = Ipv4Address.Parse("127.0.0.1").Value;
        var flow = new FlowKey(loopback, loopback, clientPort, port, IpProtocol.Tcp);
        using var diag = SockDiag.Open();

        // The server closes first (as an HTTP/1.0 server does): FIN_WAIT_2 still takes the client's data.
        accepted.Close();
        Assert.True(diag.HasConnection(flow));
        // The client closes too: the server's side is in TIME_WAIT, which takes nothing more.
        client.Close();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (diag.HasConnection(flow) && DateTime.UtcNow < deadline) await Task.Delay(10);
        Assert.False(diag.HasConnection(flow));
        Assert.Contains("TIME-WAIT", await SocketStateAsync(port, clientPort));
    }

    private static async Task<string> SocketStateAsync(int port, int clientPort)
    {
        using var ss = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ss", $"-tan state time-wait sport = :{port} and dport = :{clientPort}")
            { RedirectStandardOutput = true })!;
        var output = await ss.StandardOutput.ReadToEndAsync();
        await ss.WaitForExitAsync();
        return output.Contains($":{clientPort}", StringComparison.Ordinal) ? "TIME-WAIT" : output;
    }
}
