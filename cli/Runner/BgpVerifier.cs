using System.Text.Json;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Planning;

namespace Lbdeploy.Runner;

/// <summary>
/// The frr target's verify rows, read from each node's running FRR: "bgp sessions" (every session of the design is
/// established, at both ends) and one "announce MUX" row per mux (its FRR advertises the VIP to its switch, which it
/// does only while its gate, `lbengine gate`, finds its engine healthy).
/// </summary>
public static class BgpVerifier
{
    public const string SessionsCheck = "bgp sessions";

    public static async Task<IReadOnlyList<VerifyCheck>> CheckAsync(DeploymentPlan plan, INodeShell shell, CancellationToken ct = default)
    {
        var design = plan.Bgp ?? throw new ArgumentException("the plan has no BGP design (not the frr target)", nameof(plan));
        var sessions = await BgpSessionReport.ReadAsync(plan, shell, ct);
        var checks = new List<VerifyCheck> { new(SessionsCheck, sessions.AllEstablished, sessions.Describe()) };
        foreach (var router in plan.Routers.Where(r => r.Announces is not null))
        {
            foreach (var neighbor in design.Speaker(router.Node).Neighbors)
            {
                checks.Add(await AnnouncementAsync(shell, router, neighbor.Peer, neighbor.PeerAddress.ToString(), router.Announces!.Value.ToString(), ct));
            }
        }
        return checks;
    }

    private static async Task<VerifyCheck> AnnouncementAsync(INodeShell shell, PlannedRouter router, string peer, string peerAddress, string prefix, CancellationToken ct)
    {
        var name = $"announce {router.Node}";
        var command = $"show bgp ipv4 unicast neighbors {peerAddress} advertised-routes json";
        var result = await shell.RunAsync(router.Node, FrrCommands.Show(router.RuntimeDirectory, command), TimeSpan.FromSeconds(10), ct);
        if (!result.Succeeded)
        {
            return new VerifyCheck(name, false, $"vtysh failed on {router.Node}: {TerminalText.Escape(result.StandardError.Trim(), 160)}");
        }
        return Advertises(result.StandardOutput, prefix)
            ? new VerifyCheck(name, true, $"{router.Node} announces {prefix} to {peer} ({peerAddress})")
            : new VerifyCheck(name, false, $"{router.Node} does not announce {prefix} to {peer} ({peerAddress}); its gate announces a mux only while its engine answers healthy (log {router.Node}-gate.log in the state folder's logs)");
    }

    /// <summary>Whether FRR's `advertised-routes json` reply lists <paramref name="prefix"/>.</summary>
    public static bool Advertises(string json, string prefix)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("advertisedRoutes", out var routes)
                && routes.ValueKind == JsonValueKind.Object
                && routes.TryGetProperty(prefix, out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
