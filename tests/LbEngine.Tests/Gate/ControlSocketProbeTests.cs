using System.Net.Sockets;
using Lb.Core.Control;
using Lb.Core.Flows;
using Lb.Engine.Control;
using Lb.Engine.Gate;
using Lb.Engine.Runtime;

namespace Lb.Engine.Tests.Gate;

/// <summary>What the gate's probe makes of the mux's control socket: healthy, unhealthy, gone or silent.</summary>
public sealed class ControlSocketProbeTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(300);

    private readonly string _directory = Directory.CreateTempSubdirectory("lbe-gate-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private sealed class Mux(string? unhealthy) : IControlTarget
    {
        public string Health() => unhealthy is null ? ControlReply.Ok("capturing") : ControlReply.Error(unhealthy);
        public string Stats() => ControlReply.Error("not here");
        public string Reload() => ControlReply.Error("not here");
        public string Drain(string name) => ControlReply.Error("not here");
        public string Undrain(string name) => ControlReply.Error("not here");
        public string Weight(string name, int weight) => ControlReply.Error("not here");
        public string Connections(int limit) => ControlReply.Error("not here");
        public string Lookup(FlowKey flow) => ControlReply.Error("not here");
    }

    private string Socket(string name) => Path.Combine(_directory, name);

    [Fact]
    public async Task A_mux_that_answers_ok_is_healthy()
    {
        using var server = new ControlServer(Socket("ok.sock"), new Mux(null), new EngineLog("mux", "h1", false, TextWriter.Null));

        Assert.Equal(MuxProbeResult.Healthy, await new ControlSocketProbe(Socket("ok.sock"), Timeout).ProbeAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_mux_that_says_it_is_not_healthy_is_unhealthy_with_its_reason()
    {
        using var server = new ControlServer(Socket("down.sock"), new Mux("link h1-eth0 is down"), new EngineLog("mux", "h1", false, TextWriter.Null));

        var result = await new ControlSocketProbe(Socket("down.sock"), Timeout).ProbeAsync(CancellationToken.None);

        Assert.Equal(MuxAnswer.Unhealthy, result.Answer);
        Assert.Contains("link h1-eth0 is down", result.Problem);
    }

    [Fact]
    public async Task A_control_server_too_busy_to_serve_is_silent_not_unhealthy()
    {
        var busy = new ControlLimits { MaxConnections = 0 }; // every connection gets the busy refusal
        using var server = new ControlServer(Socket("busy.sock"), new Mux(null), new EngineLog("mux", "h1", false, TextWriter.Null), limits: busy);

        var result = await new ControlSocketProbe(Socket("busy.sock"), Timeout).ProbeAsync(CancellationToken.None);

        Assert.Equal(MuxAnswer.Silent, result.Answer);
        Assert.Contains("busy", result.Problem);
    }

    [Fact]
    public async Task No_socket_file_and_a_socket_file_nobody_listens_on_are_both_gone()
    {
        Assert.Equal(MuxAnswer.Gone, (await new ControlSocketProbe(Socket("none.sock"), Timeout).ProbeAsync(CancellationToken.None)).Answer);

        // What a killed engine leaves: the socket file with no listener behind it (bound, never listening: connect is
        // refused as it is for a dead engine's file; .NET would delete the file if we closed it).
        using var dead = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        dead.Bind(new UnixDomainSocketEndPoint(Socket("dead.sock")));
        Assert.True(File.Exists(Socket("dead.sock")));
        Assert.Equal(MuxAnswer.Gone, (await new ControlSocketProbe(Socket("dead.sock"), Timeout).ProbeAsync(CancellationToken.None)).Answer);
    }

    [Fact]
    public async Task A_mux_that_accepts_but_never_answers_is_silent()
    {
        using var hung = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        hung.Bind(new UnixDomainSocketEndPoint(Socket("hung.sock")));
        hung.Listen(4);

        var result = await new ControlSocketProbe(Socket("hung.sock"), Timeout).ProbeAsync(CancellationToken.None);

        Assert.Equal(MuxAnswer.Silent, result.Answer);
        Assert.Contains("did not answer 'health' within 0.3 s", result.Problem);
    }
}
