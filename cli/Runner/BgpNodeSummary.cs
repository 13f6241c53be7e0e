using System.Collections.Immutable;
using System.Text.Json;
using Lbdeploy.Nodes;

namespace Lbdeploy.Runner;

/// <summary>One BGP session as a running FRR reports it (`show bgp summary json`).</summary>
public sealed record BgpPeerState(string Address, long RemoteAs, string State, long PrefixesReceived, string Uptime)
{
    public bool IsEstablished => State == "Established";
}

/// <summary>
/// A node's IPv4 unicast BGP summary from its FRR: its AS and every configured peer with its state. Parsed leniently
/// (FRR omits the address family until a neighbor is activated, and counters until a session is up); a reply that is
/// not the expected JSON is <see cref="Error"/>, never an exception.
/// </summary>
public sealed record BgpNodeSummary(string Node, long LocalAs, ImmutableArray<BgpPeerState> Peers, string? Error)
{
    public const string Command = "show bgp summary json";

    public int Established => Peers.Count(p => p.IsEstablished);

    public BgpPeerState? Peer(string address) => Peers.FirstOrDefault(p => p.Address == address);

    /// <summary>Asks the node's FRR (its vty sockets in <paramref name="runtimeDirectory"/>) for its summary.</summary>
    public static async Task<BgpNodeSummary> ReadAsync(INodeShell shell, string node, string runtimeDirectory, CancellationToken ct)
    {
        var result = await shell.RunAsync(node, FrrCommands.Show(runtimeDirectory, Command), TimeSpan.FromSeconds(10), ct);
        return result.Succeeded
            ? Parse(node, result.StandardOutput)
            : new BgpNodeSummary(node, 0, [], $"vtysh failed: {Common.TerminalText.Escape(result.StandardError.Trim(), 160)}");
    }

    public static BgpNodeSummary Parse(string node, string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return new BgpNodeSummary(node, 0, [], "not a JSON object");
            if (!document.RootElement.TryGetProperty("ipv4Unicast", out var family) || family.ValueKind != JsonValueKind.Object)
            {
                return new BgpNodeSummary(node, 0, [], null); // no IPv4 session configured (yet)
            }
            var peers = ImmutableArray.CreateBuilder<BgpPeerState>();
            if (family.TryGetProperty("peers", out var list) && list.ValueKind == JsonValueKind.Object)
            {
                foreach (var peer in list.EnumerateObject())
                {
                    if (peer.Value.ValueKind != JsonValueKind.Object) continue;
                    peers.Add(new BgpPeerState(
                        peer.Name,
                        Number(peer.Value, "remoteAs"),
                        Text(peer.Value, "state") ?? "unknown",
                        Number(peer.Value, "pfxRcd"),
                        Text(peer.Value, "peerUptime") ?? ""));
                }
            }
            return new BgpNodeSummary(node, Number(family, "as"), peers.ToImmutable(), null);
        }
        catch (JsonException e)
        {
            return new BgpNodeSummary(node, 0, [], $"unreadable reply ({e.Message})");
        }
    }

    private static long Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : 0;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
