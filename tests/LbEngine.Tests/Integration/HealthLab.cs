using System.Diagnostics;

namespace Lb.Engine.Tests.Integration;

/// <summary>
/// A routed lab for health checking, with the "lbh-" prefix (never shared with <see cref="NetnsLab"/>'s "lbe-it-"):
/// client (10.61.1.2) - router - mux (10.61.2.2); router - srv1 (10.61.3.2) and srv2 (10.61.4.2), each with the VIP
/// on its interface. The router sends the VIP to the mux. <see cref="Dispose"/> stops the processes it started (by
/// pid) and deletes the namespaces (and with them the veths) by exact name, even after a failure. Nothing here sends
/// traffic from the root namespace.
/// </summary>
internal sealed class HealthLab : IDisposable
{
    public const string Client = "lbh-cli";
    public const string Router = "lbh-rtr";
    public const string Mux = "lbh-mux";
    public const string Server1 = "lbh-s1";
    public const string Server2 = "lbh-s2";
    public const string Vip = "20.0.0.1";
    public const string MuxAddress = "10.61.2.2";
    public const string MuxInterface = "lbh-m0";
    public static readonly (string Ns, string Name, string Interface, string Address, string Gateway)[] Servers =
    [
        (Server1, "srv1", "lbh-s1e", "10.61.3.2", "10.61.3.1"),
        (Server2, "srv2", "lbh-s2e", "10.61.4.2", "10.61.4.1"),
    ];

    private static readonly string[] Namespaces = [Client, Router, Mux, Server1, Server2];
    private readonly NamespaceProcesses _processes = new();

    public HealthLab()
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

    private static void Sh(string command) => NetnsLab.Sh(command);

    private void Build()
    {
        foreach (var ns in Namespaces) NetnsLab.Sh($"ip netns del {ns}", check: false); // leftovers of a killed run
        foreach (var ns in Namespaces)
        {
            Sh($"ip netns add {ns}");
            Sh($"ip -n {ns} link set lo up");
        }
        Link(Client, "lbh-c0", "10.61.1.2/24", "lbh-rc", "10.61.1.1/24");
        Link(Mux, MuxInterface, $"{MuxAddress}/24", "lbh-rm", "10.61.2.1/24");
        Sh($"ip -n {Client} route add default via 10.61.1.1");
        Sh($"ip -n {Mux} route add default via 10.61.2.1");
        Sh($"ip netns exec {Router} sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0");
        Sh($"ip -n {Router} route add {Vip}/32 via {MuxAddress}");
        Sh($"ip netns exec {Mux} sysctl -qw net.ipv4.ip_forward=0");
        for (var i = 0; i < Servers.Length; i++)
        {
            var server = Servers[i];
            Link(server.Ns, server.Interface, $"{server.Address}/24", $"lbh-r{i + 1}", $"{server.Gateway}/24");
            Sh($"ip -n {server.Ns} route add default via {server.Gateway}");
            Sh($"ip -n {server.Ns} addr add {Vip}/32 dev {server.Interface}");
            Sh($"ip netns exec {server.Ns} sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2");
        }
        foreach (var dev in new[] { "all", "lbh-rc", "lbh-rm", "lbh-r1", "lbh-r2" }) Sh($"ip netns exec {Router} sysctl -qw net.ipv4.conf.{dev}.rp_filter=0");
    }

    /// <summary>A veth created directly inside the two namespaces (its names never exist in the root namespace).</summary>
    private static void Link(string ns, string dev, string cidr, string routerDev, string routerCidr)
    {
        Sh($"ip link add {dev} netns {ns} type veth peer name {routerDev} netns {Router}");
        foreach (var (n, d, c) in new[] { (ns, dev, cidr), (Router, routerDev, routerCidr) })
        {
            Sh($"ip -n {n} addr add {c} dev {d}");
            Sh($"ip -n {n} link set {d} up");
            NetnsLab.Sh($"ip netns exec {n} ethtool -K {d} rx off tx off sg off tso off gso off gro off", check: false);
        }
    }

    /// <summary>Starts a long-running process inside a namespace; it is stopped (by pid) on Dispose.</summary>
    public Process Start(string ns, string command, string logFile) => _processes.Start(ns, command, logFile, append: true);

    public void Dispose()
    {
        _processes.Dispose();
        foreach (var ns in Namespaces) NetnsLab.Sh($"ip netns del {ns}", check: false);
    }
}
