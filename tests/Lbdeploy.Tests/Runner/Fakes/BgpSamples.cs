using System.Text.Json.Nodes;
using Lbdeploy.Bgp;
using Lbdeploy.Runner;

namespace Lbdeploy.Tests.Runner.Fakes;

/// <summary>
/// Test-only: what FRR 8.4's vtysh prints for the commands lbdeploy sends, in its shapes (the keys and value types of
/// bgpd's `show bgp summary json` and `show bgp ipv4 unicast neighbors X advertised-routes json`), built for the
/// speakers of a plan's BGP design; and what a starting FRR daemon leaves in its runtime folder.
/// </summary>
internal static class BgpSamples
{
    /// <summary>
    /// <paramref name="node"/>'s `show bgp summary json`: every neighbor the design gives it, with the state
    /// <paramref name="state"/> gives it (default Established), counters as FRR prints them for that state.
    /// </summary>
    public static string Summary(BgpDesign design, string node, Func<BgpNeighbor, string>? state = null)
    {
        var speaker = design.Speaker(node);
        var peers = new JsonObject();
        foreach (var neighbor in speaker.Neighbors)
        {
            var s = state?.Invoke(neighbor) ?? "Established";
            peers[neighbor.PeerAddress.ToString()] = Peer(s, design.Speaker(neighbor.Peer).Asn, speaker.Asn, $"{neighbor.Peer} via {neighbor.Interface}");
        }
        return Family(speaker.RouterId.ToString(), speaker.Asn, peers).ToJsonString();
    }

    /// <summary>One peer's entry as bgpd 8.4 writes it (an established session has an uptime and counters; others "never" and zeros).</summary>
    public static JsonObject Peer(string state, long remoteAs, long localAs, string? description = null, long prefixesReceived = 3)
    {
        var up = state == "Established";
        var peer = new JsonObject
        {
            ["remoteAs"] = remoteAs,
            ["localAs"] = localAs,
            ["version"] = 4,
            ["msgRcvd"] = up ? 12 : 0,
            ["msgSent"] = up ? 14 : 0,
            ["tableVersion"] = 0,
            ["outq"] = 0,
            ["inq"] = 0,
            ["peerUptime"] = up ? "00:00:10" : "never",
            ["peerUptimeMsec"] = up ? 10000 : 0,
            ["peerUptimeEstablishedEpoch"] = up ? 1748779190 : 0,
            ["pfxRcd"] = up ? prefixesReceived : 0,
            ["pfxSnt"] = up ? 1 : 0,
            ["state"] = state,
            ["peerState"] = "OK",
            ["connectionsEstablished"] = up ? 1 : 0,
            ["connectionsDropped"] = 0,
        };
        if (description is not null) peer["desc"] = description;
        peer["idType"] = "ipv4";
        return peer;
    }

    /// <summary>The whole reply around <paramref name="peers"/>: the ipv4Unicast family of the default VRF.</summary>
    public static JsonObject Family(string routerId, long localAs, JsonObject peers)
    {
        var count = peers.Count;
        var failed = peers.Count(p => p.Value!["state"]!.GetValue<string>() != "Established");
        return new JsonObject
        {
            ["ipv4Unicast"] = new JsonObject
            {
                ["routerId"] = routerId,
                ["as"] = localAs,
                ["vrfId"] = 0,
                ["vrfName"] = "default",
                ["tableVersion"] = 9,
                ["ribCount"] = 17,
                ["ribMemory"] = 3128,
                ["peerCount"] = count,
                ["peerMemory"] = 2897856,
                ["peerGroupCount"] = 0,
                ["peerGroupMemory"] = 0,
                ["peers"] = peers,
                ["failedPeers"] = failed,
                ["displayedPeers"] = count,
                ["totalPeers"] = count,
                ["dynamicPeers"] = 0,
                ["bestPath"] = new JsonObject { ["multiPathRelax"] = "true" },
            },
        };
    }

    /// <summary>`show bgp ipv4 unicast neighbors X advertised-routes json` listing <paramref name="prefixes"/> (each a /32 here).</summary>
    public static string Advertised(string routerId, long localAs, params string[] prefixes)
    {
        var routes = new JsonObject();
        foreach (var prefix in prefixes)
        {
            var address = prefix.Split('/')[0];
            routes[prefix] = new JsonObject
            {
                ["addrPrefix"] = address,
                ["prefixLen"] = int.Parse(prefix.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture),
                ["network"] = prefix,
                ["nextHopGlobal"] = "0.0.0.0",
                ["metric"] = 0,
                ["weight"] = 32768,
                ["path"] = "",
                ["origin"] = "IGP",
                ["valid"] = true,
                ["best"] = true,
                ["selectionReason"] = "First path received",
            };
        }
        return new JsonObject
        {
            ["bgpTableVersion"] = 3,
            ["bgpLocalRouterId"] = routerId,
            ["defaultLocPrf"] = 100,
            ["localAS"] = localAs,
            ["bgpStatusCodes"] = new JsonObject { ["suppressed"] = "s", ["damped"] = "d", ["history"] = "h", ["valid"] = "*", ["best"] = ">" },
            ["bgpOriginCodes"] = new JsonObject { ["igp"] = "i", ["egp"] = "e", ["incomplete"] = "?" },
            ["advertisedRoutes"] = routes,
            ["totalPrefixCounter"] = prefixes.Length,
            ["filteredPrefixCounter"] = 0,
        }.ToJsonString();
    }

    /// <summary>
    /// What a starting FRR daemon creates: its vty socket (and zebra its zserv socket) in the folder of its
    /// --vty_socket; a fake shell calls this for every daemon it starts (other commands are left alone).
    /// </summary>
    public static void OpenSockets(string host, string command)
    {
        if (!command.StartsWith(FrrCommands.DaemonDirectory + "/", StringComparison.Ordinal)) return;
        var words = command.Split(' ');
        var name = Path.GetFileName(words[0]);
        var folder = words[Array.IndexOf(words, "--vty_socket") + 1];
        File.WriteAllText(FrrCommands.VtySocket(folder, name), "");
        if (name == "zebra") File.WriteAllText(FrrCommands.ZebraSocket(folder), "");
    }
}
