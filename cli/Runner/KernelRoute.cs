using System.Collections.Immutable;
using System.Globalization;
using Lb.Core.Addressing;
using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>
/// One entry of a node's kernel routing table, as `ip -j route show` prints it. iproute2 leaves out the defaults, so a
/// missing key means: <see cref="Type"/> "unicast", <see cref="Protocol"/> "boot" (what `ip route` installs),
/// <see cref="Scope"/> "global", <see cref="Metric"/> 0.
/// </summary>
public sealed record KernelRoute(Ipv4Prefix Destination, string Type, string Protocol, string Scope, long Metric, ImmutableArray<KernelNextHop> NextHops)
{
    /// <summary>A connected subnet: the kernel adds it with the interface address; nobody installed it.</summary>
    public bool IsConnected => Protocol == "kernel";

    /// <summary>
    /// False for the entries that describe the node's own addresses rather than forwarding (local, broadcast,
    /// anycast, multicast; they live in the local table, but a table dump may still hold one). Blackhole, unreachable
    /// and prohibit are forwarding decisions (a drop), so they count.
    /// </summary>
    public bool Forwards => Type is not ("local" or "broadcast" or "anycast" or "multicast");

    public bool IsUnicast => Type == "unicast";

    /// <summary>Where it sends packets, as a network engineer reads it: `via 20.13.1.2 dev t1-eth3, 20.13.2.2 dev t1-eth4`, `dev t1-eth1`, `blackhole`.</summary>
    public string Target
    {
        get
        {
            var hops = KernelNextHop.Describe(NextHops);
            if (IsUnicast) return hops.Length > 0 ? hops : "no next hop";
            return hops.Length > 0 ? $"{TerminalText.Escape(Type)} {hops}" : TerminalText.Escape(Type);
        }
    }

    /// <summary>The route with who installed it: `10.99.0.0/24 via 20.1.9.1 dev c1-eth1 (proto bgp, metric 20)`.</summary>
    public override string ToString() =>
        $"{Destination} {Target} (proto {TerminalText.Escape(Protocol)}{(Metric != 0 ? ", metric " + Metric.ToString(CultureInfo.InvariantCulture) : "")})";
}

/// <summary>
/// One next hop of a kernel route: the gateway (null for an attached destination) and the outgoing interface.
/// The gateway stays text: iproute2 prints IPv4 in canonical dotted form, and an IPv6 `via` (RFC 5549) still compares.
/// </summary>
public sealed record KernelNextHop(string? Gateway, string? Dev)
{
    public override string ToString() =>
        Gateway is null ? $"dev {Show(Dev)}" : $"{TerminalText.Escape(Gateway)} dev {Show(Dev)}";

    /// <summary>Next hops as one line: `via A dev X, B dev Y` (one `via` per run of gateways), `dev X` for attached ones.</summary>
    public static string Describe(IEnumerable<KernelNextHop> hops)
    {
        var parts = new List<string>();
        KernelNextHop? previous = null;
        foreach (var hop in hops)
        {
            var viaFirst = hop.Gateway is not null && (previous is null || previous.Gateway is null);
            parts.Add(viaFirst ? "via " + hop : hop.ToString());
            previous = hop;
        }
        return string.Join(", ", parts);
    }

    private static string Show(string? dev) => dev is null ? "?" : TerminalText.Escape(dev);
}
