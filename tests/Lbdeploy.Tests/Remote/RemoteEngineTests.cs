using System.Net.Sockets;
using System.Text;
using Lb.Core.Control;
using Lbdeploy.Remote;
using Lbdeploy.Runner;

namespace Lbdeploy.Tests.Remote;

/// <summary>
/// An engine's control socket on another machine, reached by `lbengine ctl` over SSH: the real lbengine (this
/// checkout's build, standing in for the shipped single file) against a socket that answers like an engine.
/// </summary>
public sealed class RemoteEngineTests : IDisposable
{
    private readonly FakeSsh ssh = new("h1");

    public void Dispose() => ssh.Dispose();

    private void InstallEngine()
    {
        var engine = ssh.RootOf("h1") + "/bin/lbengine";
        Directory.CreateDirectory(Path.GetDirectoryName(engine)!);
        File.WriteAllText(engine, $"#!/bin/sh\nexec {EngineBinary.DotnetHost} {EngineBinary.Dll} \"$@\"\n");
        File.SetUnixFileMode(engine, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    /// <summary>A control socket that answers every command line with <paramref name="reply"/> and records the lines.</summary>
    private static (string Path, List<string> Commands, Task Served) Serve(string folder, string reply, int count)
    {
        var path = Path.Combine(folder, "h1-mux.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen();
        var commands = new List<string>();
        var served = Task.Run(async () =>
        {
            using var _ = listener;
            for (var i = 0; i < count; i++)
            {
                using var connection = await listener.AcceptAsync();
                var buffer = new byte[4096];
                var line = new StringBuilder();
                int read;
                while ((read = await connection.ReceiveAsync(buffer, SocketFlags.None)) > 0) line.Append(Encoding.UTF8.GetString(buffer, 0, read));
                lock (commands) commands.Add(line.ToString().TrimEnd('\n'));
                await connection.SendAsync(Encoding.UTF8.GetBytes(reply), SocketFlags.None);
            }
        });
        return (path, commands, served);
    }

    [Fact]
    public async Task A_control_command_travels_over_ssh_and_its_reply_is_parsed_as_a_local_one()
    {
        InstallEngine();
        var (socket, commands, served) = Serve(ssh.Directory, "{\"ok\":true}", 2);
        var client = new RemoteEngine(ssh.Shell).ControlOf("h1", socket);
        await client.HealthAsync();
        await client.DrainAsync("h14");
        await served.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(["health", "drain h14"], commands);
        Assert.EndsWith($"/bin/lbengine ctl --socket {socket} --timeout 5 -- drain h14", ssh.Calls.Select(c => c[^1]).Single(c => c.Contains("drain", StringComparison.Ordinal)).TrimEnd('\''));
    }

    [Fact]
    public async Task An_engine_that_refuses_the_command_is_a_control_error()
    {
        InstallEngine();
        var (socket, _, served) = Serve(ssh.Directory, "{\"ok\":false,\"error\":\"unknown DIP h99\"}", 1);
        var error = await Assert.ThrowsAsync<ControlException>(() => new RemoteEngine(ssh.Shell).ControlOf("h1", socket).DrainAsync("h99"));
        Assert.Equal($"'drain h99' failed on {socket}: unknown DIP h99", error.Message);
        await served.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task No_engine_on_the_socket_names_the_machine()
    {
        InstallEngine();
        var socket = Path.Combine(ssh.Directory, "none.sock");
        var error = await Assert.ThrowsAsync<ControlException>(() => new RemoteEngine(ssh.Shell).ControlOf("h1", socket).HealthAsync());
        Assert.StartsWith($"h1 (deploy@192.0.2.1:22): no engine answers on {socket}", error.Message);
    }

    [Fact]
    public async Task A_machine_without_the_engine_says_to_apply_again()
    {
        var error = await Assert.ThrowsAsync<ControlException>(() => new RemoteEngine(ssh.Shell).ControlOf("h1", "/run/x.sock").HealthAsync());
        Assert.Equal($"h1 (deploy@192.0.2.1:22): lbengine is not in {ssh.RootOf("h1")}/bin; apply again to ship it", error.Message);
    }

    [Fact]
    public async Task An_ssh_failure_is_a_control_error_naming_the_fix()
    {
        ssh.FailWith("Host key verification failed.\n");
        var error = await Assert.ThrowsAsync<ControlException>(() => new RemoteEngine(ssh.Shell).ControlOf("h1", "/run/x.sock").HealthAsync());
        Assert.StartsWith("h1 (deploy@192.0.2.1:22): its host key is not in", error.Message);
    }

    [Fact]
    public void The_engine_starts_from_its_shipped_single_file()
    {
        var host = ssh.Inventory.HostOf("h1");
        Assert.Equal($"{host.Root}/bin/lbengine mux --config {host.Root}/plan/h1-mux.json", RemoteEngine.CommandLine(host, "mux", host.Root + "/plan/h1-mux.json"));
    }
}
