using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Lb.Engine.Tests.Integration;

/// <summary>
/// A small routed lab of network namespaces joined by veth pairs (no mininet):
/// client (10.1.0.2) - router - mux (10.2.0.2); router - server (10.3.0.2, VIP 20.0.0.1 on its interface).
/// The router sends the VIP to the mux. Every name starts with "lbe-"; <see cref="Dispose"/> removes the namespaces
/// (and with them the veths) by exact name and stops the processes it started by pid, even after a failure.
/// Nothing here ever sends traffic from the root namespace.
/// </summary>
internal sealed partial class NetnsLab : IDisposable
{
    public const string Client = "lbe-it-cli";
    public const string Router = "lbe-it-rtr";
    public const string Mux = "lbe-it-mux";
    public const string Server = "lbe-it-srv";
    public const string Vip = "20.0.0.1";
    public const string MuxAddress = "10.2.0.2";
    public const string ServerAddress = "10.3.0.2";
    public const string MuxInterface = "lbe-m0";
    public const string ServerInterface = "lbe-s0";

    private static readonly string[] Namespaces = [Client, Router, Mux, Server];
    private readonly NamespaceProcesses _processes = new();

    public NetnsLab()
    {
        try
        {
            Build();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void Build()
    {
        foreach (var ns in Namespaces) Sh($"ip netns del {ns}", check: false); // leftovers of a killed run
        foreach (var ns in Namespaces)
        {
            Sh($"ip netns add {ns}");
            Sh($"ip -n {ns} link set lo up");
        }
        // veths are created directly inside the namespaces: their names never exist in the root namespace.
        Sh($"ip link add lbe-c0 netns {Client} type veth peer name lbe-rc netns {Router}");
        Sh($"ip link add {MuxInterface} netns {Mux} type veth peer name lbe-rm netns {Router}");
        Sh($"ip link add {ServerInterface} netns {Server} type veth peer name lbe-rs netns {Router}");
        Address(Client, "lbe-c0", "10.1.0.2/24");
        Address(Router, "lbe-rc", "10.1.0.1/24");
        Address(Mux, MuxInterface, $"{MuxAddress}/24");
        Address(Router, "lbe-rm", "10.2.0.1/24");
        Address(Server, ServerInterface, $"{ServerAddress}/24");
        Address(Router, "lbe-rs", "10.3.0.1/24");
        Sh($"ip -n {Client} route add default via 10.1.0.1");
        Sh($"ip -n {Mux} route add default via 10.2.0.1");
        Sh($"ip -n {Server} route add default via 10.3.0.1");

        // Router: forwards, sends the VIP to the mux, loose rp_filter (DSR replies come from the VIP on the server port).
        Sh($"ip netns exec {Router} sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0");
        foreach (var dev in new[] { "lbe-rc", "lbe-rm", "lbe-rs" }) Sh($"ip netns exec {Router} sysctl -qw net.ipv4.conf.{dev}.rp_filter=0");
        Sh($"ip -n {Router} route add {Vip}/32 via {MuxAddress}");
        // Mux: never forwards the captured VIP packets itself.
        Sh($"ip netns exec {Mux} sysctl -qw net.ipv4.ip_forward=0");
        // Server: the VIP on its interface, never answering ARP for it.
        Sh($"ip -n {Server} addr add {Vip}/32 dev {ServerInterface}");
        Sh($"ip netns exec {Server} sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2");
    }

    private static void Address(string ns, string dev, string cidr)
    {
        Sh($"ip -n {ns} addr add {cidr} dev {dev}");
        Sh($"ip -n {ns} link set {dev} up");
        // Offloads off: links behave like wires. The mux also finishes partial checksums; a unit test covers that.
        Sh($"ip netns exec {ns} ethtool -K {dev} rx off tx off sg off tso off gso off gro off", check: false);
    }

    /// <summary>Runs a command to completion inside a namespace; returns stdout.</summary>
    public static string Exec(string ns, string command, int timeoutSeconds = 30, bool check = true) =>
        Sh($"ip netns exec {ns} {command}", check, timeoutSeconds);

    /// <summary>Starts a long-running process inside a namespace; it is stopped (by pid) on Dispose.</summary>
    public Process Start(string ns, string command, string logFile) => _processes.Start(ns, command, logFile);

    /// <summary>SIGTERM (clean shutdown), then waits.</summary>
    public static bool Terminate(Process process, TimeSpan timeout)
    {
        if (process.HasExited) return true;
        _ = kill(process.Id, 15);
        return process.WaitForExit(timeout);
    }

    public static string Sh(string command, bool check = true, int timeoutSeconds = 30)
    {
        var info = new ProcessStartInfo("/bin/sh", ["-c", command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"'{command}' did not finish within {timeoutSeconds} s");
        }
        if (check && process.ExitCode != 0)
            throw new InvalidOperationException($"'{command}' failed ({process.ExitCode}): {stderr.Result.Trim()} {stdout.Result.Trim()}");
        return stdout.Result;
    }

    public void Dispose()
    {
        _processes.Dispose();
        foreach (var ns in Namespaces) Sh($"ip netns del {ns}", check: false);
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int kill(int pid, int signal);
}
