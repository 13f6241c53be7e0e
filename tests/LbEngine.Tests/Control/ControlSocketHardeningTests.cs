using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Lb.Core.Control;
using Lb.Engine.Control;
using Lb.Engine.Runtime;

namespace Lb.Engine.Tests.Control;

/// <summary>
/// The control socket cannot be abused: root-only from the start, never through an unsafe path, and a client that
/// sends too much, too slowly, garbage or too many connections gets an error reply and costs the others nothing.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ControlSocketHardeningTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("lbe-control-").FullName;
    private readonly EngineLog _log = new("mux", "h1", false, TextWriter.Null);

    private sealed class Engine : IControlTarget
    {
        public string Stats() => ControlReply.Ok("stats");
        public string Reload() => ControlReply.Ok("reloaded");
        public string Drain(string name) => ControlReply.Ok($"drained {name}");
        public string Undrain(string name) => ControlReply.Ok($"undrained {name}");
        public string Weight(string name, int weight) => ControlReply.Ok($"weight {name} {weight}");
        public string Connections(int limit) => ControlReply.Ok($"conns {limit}");
        public string Lookup(Lb.Core.Flows.FlowKey flow) => ControlReply.Ok($"lookup {flow}");
        public string Health() => ControlReply.Ok("capturing");
        public string Metrics() => new('#', 3 << 20); // a large reply is fine
    }

    private string SocketPath(string name = "mux.sock") => Path.Combine(_directory, name);

    private ControlServer Serve(ControlLimits? limits = null, string? path = null) => new(path ?? SocketPath(), new Engine(), _log, limits: limits);

    /// <summary>Sends raw bytes and reads the reply until the server closes (or resets) the connection.</summary>
    private static async Task<string> ExchangeAsync(string path, byte[] request, bool endRequest = true)
    {
        using var socket = await ConnectAsync(path);
        await socket.SendAsync(request, SocketFlags.None);
        if (endRequest) socket.Shutdown(SocketShutdown.Send);
        return await ReadToEndAsync(socket, TimeSpan.FromSeconds(10));
    }

    private static async Task<Socket> ConnectAsync(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    private static async Task<string> ReadToEndAsync(Socket socket, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var reply = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token)) > 0) reply.Write(buffer, 0, read);
        }
        catch (SocketException)
        {
            // Reset after the reply: what arrived before it is the answer.
        }
        return Encoding.UTF8.GetString(reply.ToArray());
    }

    /// <summary>The error of a one-line {"ok":false,"error":...} reply.</summary>
    private static string ErrorOf(string reply)
    {
        Assert.EndsWith("\n", reply);
        Assert.DoesNotContain('\n', reply.TrimEnd('\n'));
        using var document = JsonDocument.Parse(reply);
        Assert.False(document.RootElement.GetProperty("ok").GetBoolean());
        return document.RootElement.GetProperty("error").GetString()!;
    }

    [Fact]
    public void The_socket_is_root_only_from_the_start_and_nothing_is_left_beside_it()
    {
        using var server = Serve();
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(SocketPath()));
        Assert.Equal([SocketPath()], Directory.EnumerateFileSystemEntries(_directory));
    }

    [Fact]
    public async Task A_stale_socket_file_is_replaced()
    {
        using (var dead = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            dead.Bind(new UnixDomainSocketEndPoint(SocketPath())); // the file outlives the socket, as after a crash
        }
        using var server = Serve();
        Assert.Contains("\"ok\":true", await new ControlClient(SocketPath()).SendAsync("health"));
    }

    [Fact]
    public void A_directory_every_user_may_write_is_refused_unless_sticky()
    {
        var open = Directory.CreateDirectory(Path.Combine(_directory, "open")).FullName;
        File.SetUnixFileMode(open, (UnixFileMode)0b111_111_111);
        var error = Assert.Throws<StartupException>(() => Serve(path: Path.Combine(open, "mux.sock")));
        Assert.Equal($"control socket {open}/mux.sock: directory {open} is writable by every user without the sticky bit, so anyone could replace the socket; use a root-owned directory such as /run/lbdeploy, or chmod o-w {open}", error.Message);

        File.SetUnixFileMode(open, (UnixFileMode)0b111_111_111 | UnixFileMode.StickyBit); // like /tmp
        using var server = Serve(path: Path.Combine(open, "mux.sock"));
    }

    [Fact]
    public void A_symbolic_link_at_the_socket_path_is_refused()
    {
        var target = Path.Combine(_directory, "elsewhere");
        File.WriteAllText(target, "not a socket");
        File.CreateSymbolicLink(SocketPath(), target);
        var error = Assert.Throws<StartupException>(() => Serve());
        Assert.Contains($"control socket {SocketPath()} is a symbolic link (to {target})", error.Message);
        Assert.Equal("not a socket", File.ReadAllText(target));
    }

    [Fact]
    public async Task An_oversized_request_is_refused_and_the_next_request_is_served()
    {
        using var server = Serve();
        var reply = await ExchangeAsync(SocketPath(), Encoding.ASCII.GetBytes(new string('a', 5000)));
        Assert.Equal("the request is longer than 1024 bytes; send one short line such as 'stats'", ErrorOf(reply));
        Assert.Contains("\"message\":\"stats\"", await new ControlClient(SocketPath()).SendAsync("stats"));
        Assert.Equal(1, server.Counters[ControlResult.TooLarge]);
        Assert.Equal(1, server.Counters[ControlResult.Served]);
    }

    [Fact]
    public async Task A_large_reply_is_sent_whole()
    {
        using var server = Serve();
        Assert.Equal(3 << 20, (await new ControlClient(SocketPath()).SendAsync("metrics")).TrimEnd('\n').Length);
    }

    [Fact]
    public async Task A_silent_or_trickling_client_is_cut_off_without_holding_up_others()
    {
        // Long enough that a loaded machine (tests run in parallel) still gets the good request's line in on time.
        var limits = new ControlLimits { RequestTimeout = TimeSpan.FromSeconds(2) };
        using var server = Serve(limits);
        using var silent = await ConnectAsync(SocketPath());
        using var trickling = await ConnectAsync(SocketPath());
        var clock = Stopwatch.StartNew();
        using var stopTrickling = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            try
            {
                while (!stopTrickling.IsCancellationRequested)
                {
                    await trickling.SendAsync("s"u8.ToArray(), SocketFlags.None);
                    await Task.Delay(50);
                }
            }
            catch (SocketException)
            {
                // Cut off by the server: what the test waits for.
            }
        });

        // Others are served at once meanwhile.
        Assert.Contains("\"ok\":true", await new ControlClient(SocketPath()).SendAsync("health"));
        Assert.True(clock.Elapsed < limits.RequestTimeout, $"a good request waited {clock.Elapsed} behind a slow client");

        var silentReply = await ReadToEndAsync(silent, TimeSpan.FromSeconds(8));
        var tricklingReply = await ReadToEndAsync(trickling, TimeSpan.FromSeconds(8));
        stopTrickling.Cancel();
        await trickle;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"slow clients were cut off only after {clock.Elapsed}");
        const string Expected = "no complete request line within 2 s; send one line such as 'stats' and a newline";
        Assert.Equal(Expected, ErrorOf(silentReply));
        Assert.Equal(Expected, ErrorOf(tricklingReply));
        Assert.Equal(2, server.Counters[ControlResult.Timeout]);
    }

    public static TheoryData<byte[], ControlResult, string> Garbage => new()
    {
        { [0xff, 0xfe, 0x80, (byte)'\n'], ControlResult.InvalidUtf8, "the request is not UTF-8 text; send one line such as 'stats'" },
        { "stats\0\n"u8.ToArray(), ControlResult.Malformed, "the request holds control characters; send one line such as 'stats'" },
        { "\n"u8.ToArray(), ControlResult.Malformed, $"empty request; {ControlRequestParser.Usage}" },
        { "dance\n"u8.ToArray(), ControlResult.UnknownCommand, $"unknown command 'dance'; {ControlRequestParser.Usage}" },
        { "stats now\n"u8.ToArray(), ControlResult.BadArgument, "'stats' takes no argument; send 'stats' alone" },
        { "drain\n"u8.ToArray(), ControlResult.BadArgument, "'drain' needs a DIP name, e.g. 'drain h13'" },
        { "undrain h13 h14\n"u8.ToArray(), ControlResult.BadArgument, "'undrain' takes one DIP name, not 2 words; e.g. 'undrain h13'" },
    };

    [Theory]
    [MemberData(nameof(Garbage))]
    public async Task Garbage_gets_an_error_reply_and_is_counted(byte[] request, ControlResult reason, string error)
    {
        using var server = Serve();
        var reply = await ExchangeAsync(SocketPath(), request);
        Assert.Equal(error, ErrorOf(reply));
        Assert.Equal(1, server.Counters[reason]);
        Assert.Contains("\"ok\":true", await new ControlClient(SocketPath()).SendAsync("drain h13"));
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_told_busy_and_the_rest_are_served()
    {
        var limits = new ControlLimits { MaxConnections = 4, RequestTimeout = TimeSpan.FromSeconds(5) };
        using var server = Serve(limits);
        var held = new List<Socket>();
        for (var i = 0; i < limits.MaxConnections; i++) held.Add(await ConnectAsync(SocketPath()));
        var busy = await ExchangeAsync(SocketPath(), "stats\n"u8.ToArray());
        Assert.Equal("busy: 4 control connections are open; try again", ErrorOf(busy));

        foreach (var socket in held) socket.Dispose(); // each ends as an empty request, freeing its slot
        var clock = Stopwatch.StartNew();
        while (server.ActiveConnections > 0 && clock.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(10);
        Assert.Contains("\"ok\":true", await new ControlClient(SocketPath()).SendAsync("stats"));
        Assert.Equal(1, server.Counters[ControlResult.Busy]);
        Assert.Equal(4, server.Counters[ControlResult.Malformed]);
    }

    [Fact]
    public async Task Many_clients_at_once_are_each_served_or_told_busy()
    {
        using var server = Serve();
        var replies = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => ExchangeAsync(SocketPath(), "health\n"u8.ToArray())));
        Assert.All(replies, reply => Assert.Matches("^(\\{\"ok\":true,\"message\":\"capturing\"\\}|\\{\"ok\":false,\"error\":\"busy: .*\"\\})\n$", reply));
        Assert.Equal(100, server.Counters[ControlResult.Served] + server.Counters[ControlResult.Busy]);
        var clock = Stopwatch.StartNew();
        while (server.ActiveConnections > 0 && clock.Elapsed < TimeSpan.FromSeconds(5)) await Task.Delay(10);
        Assert.Contains("\"ok\":true", await new ControlClient(SocketPath()).SendAsync("health"));
    }

    [Fact]
    public async Task The_client_refuses_a_reply_larger_than_its_bound()
    {
        using var server = Serve();
        var client = new ControlClient(SocketPath(), maxReplyBytes: 1 << 20);
        var error = await Assert.ThrowsAsync<ControlException>(() => client.SendAsync("metrics"));
        Assert.Equal($"the engine on {SocketPath()} sent more than 1048576 bytes for 'metrics', more than any reply; check its log", error.Message);
    }


    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
