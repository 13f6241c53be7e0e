using System.Text.Json;
using Lbdeploy.Nodes;
using Lbdeploy.Tracing;
using Xunit.Abstractions;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>
/// `lbdeploy trace --live` on the running course deployment: one real packet per client, captured at every hop,
/// matches the prediction (every ECMP branch computed from the plan: the kernel hash with the switches' pinned seeds) and
/// the reply skips the muxes.
/// </summary>
[Collection(MininetCollection.Name)]
public sealed class LiveTraceTests(ITestOutputHelper log)
{
    private static readonly string[] Muxes = ["h1", "h2"];

    [RootFact]
    public async Task Live_capture_matches_the_prediction_at_every_hop_from_every_client()
    {
        await using var service = await DeployedService.StartAsync(log, Path.Combine(CliRun.RepositoryRoot, "lb.yaml"));
        foreach (var client in DeployedService.Clients)
        {
            var run = await service.RunAsync("trace", "-f", service.Spec, "--from", client, "--live", "--json");
            Assert.True(run.ExitCode == 0, run.All);
            AssertMatches(client, run.Output, "tcp");
        }

        // ICMP: the echo identifier is the traced one (a raw echo, not ping's own), and the text shows both columns.
        var icmp = await service.RunAsync("trace", "-f", service.Spec, "--from", "h5", "--proto", "icmp", "--live", "--json");
        Assert.True(icmp.ExitCode == 0, icmp.All);
        AssertMatches("h5", icmp.Output, "icmp");
        var text = await service.RunAsync("trace", "-f", service.Spec, "--from", "h9", "--live");
        Assert.True(text.ExitCode == 0, text.All);
        Assert.Contains("live: the capture matches the prediction at every hop", text.Output);
        Assert.Matches(@"ok   reply   h9   in  h9-eth0", text.Output);
        Assert.DoesNotContain("(assumed)", text.Output);

        // A real difference is flagged at every hop it shows: h6's kernel sends with TTL 50 instead of Linux's 64.
        await service.Shell.RunCheckedAsync("h6", "sysctl -qw net.ipv4.ip_default_ttl=50");
        try
        {
            var differs = await service.RunAsync("trace", "-f", service.Spec, "--from", "h6", "--live");
            Assert.Equal(1, differs.ExitCode);
            Assert.Contains("live: DIFFERS from the prediction", differs.Output);
            Assert.Contains("live differs: to-mux h6 h6-eth0: ip ttl 50, predicted 64", differs.Output);
            // The mux keeps the inner TTL (5 routers: 50 - 5) and the DIP answers with its own: the reply still matches.
            Assert.Contains("! inner ttl 45, predicted 59", differs.Output);
            Assert.Matches(@"ok   reply   h6   in  h6-eth0", differs.Output);
        }
        finally
        {
            await service.Shell.RunCheckedAsync("h6", "sysctl -qw net.ipv4.ip_default_ttl=64");
        }
    }

    private static void AssertMatches(string client, string json, string protocol)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        Assert.Equal(protocol, root.GetProperty("flow").GetProperty("protocol").GetString());
        Assert.True(root.GetProperty("complete").GetBoolean(), $"{client}: {root.GetProperty("outcome")}");
        var live = root.GetProperty("live");
        Assert.True(live.GetProperty("matches").GetBoolean(), $"{client}: {live.GetProperty("differences")}");
        // The captures end once every hop was seen, not at the bound (branches not taken never see the packet).
        Assert.True(live.GetProperty("all_seen").GetBoolean(), $"{client}: the captures ran to their bound ({live.GetProperty("wait_seconds").GetDouble()} s)");
        Assert.InRange(live.GetProperty("seconds").GetDouble(), 0, 20);

        var legs = root.GetProperty("legs").EnumerateArray().ToList();
        Assert.Equal(["to-mux", "tunnel", "reply"], legs.Select(l => l.GetProperty("kind").GetString()));
        var hops = live.GetProperty("hops").EnumerateArray().ToList();
        // One live hop per predicted frame on the wire: every hop that sends, plus the last receiver of each leg.
        Assert.Equal(legs.Sum(l => l.GetProperty("hops").GetArrayLength()), hops.Count);
        foreach (var hop in hops)
        {
            var where = $"{client} {hop.GetProperty("leg")} {hop.GetProperty("node")} {hop.GetProperty("interface")}";
            Assert.Equal(JsonValueKind.Object, hop.GetProperty("captured").ValueKind);
            Assert.Equal(0, hop.GetProperty("differences").GetArrayLength());
            var predicted = hop.GetProperty("predicted");
            var captured = hop.GetProperty("captured");
            foreach (var field in new[] { "ethernet_source", "ethernet_destination", "source_port", "destination_port", "echo_identifier" })
                Assert.True(predicted.GetProperty(field).ToString() == captured.GetProperty(field).ToString(), $"{where}: {field}");
            foreach (var ip in new[] { "outer", "inner" })
                Assert.True(predicted.GetProperty(ip).ToString() == captured.GetProperty(ip).ToString(), $"{where}: {ip}");
            if (hop.GetProperty("branch").ValueKind == JsonValueKind.String)
                Assert.StartsWith("took branch", hop.GetProperty("branch").GetString(), StringComparison.Ordinal);
        }

        // The to-mux leg ends at a mux, the tunnel at a DIP, and the reply (DSR) never crosses a mux.
        Assert.Contains(hops.Last(h => h.GetProperty("leg").GetString() == "to-mux").GetProperty("node").GetString(), Muxes);
        var reply = hops.Where(h => h.GetProperty("leg").GetString() == "reply").ToList();
        Assert.Equal(client, reply[^1].GetProperty("node").GetString());
        Assert.DoesNotContain(reply, h => Muxes.Contains(h.GetProperty("node").GetString()));
        Assert.DoesNotContain(legs[2].GetProperty("hops").EnumerateArray(), h => h.GetProperty("role").GetString() == "mux");
    }
}
