using System.Text.RegularExpressions;
using Lb.Core.Config;

namespace Lbdeploy.Spec;

/// <summary>
/// The engine config's keys as lb.yaml writes them, for lbengine's validator run on a planned config: <c>hash</c> is
/// <c>engine.hash</c>, <c>health.timeout_ms</c> is <c>health.timeout</c> (written 300ms), <c>vips[0]</c> is <c>vip</c>.
/// A DIP's or mux's name and address are its host's, and the engine's own address, interface and socket come from
/// the topology and lbdeploy: errors about those point at the host's item (<c>dips[1]</c>, or <paramref name="ownItem"/>).
/// </summary>
internal sealed partial class SpecEngineDialect(string ownItem) : ConfigDialect
{
    private static readonly (string Json, string Yaml)[] Sections =
    [
        ("hash", "engine.hash"),
        ("connections.idle_timeout_seconds", "engine.connections.idle_timeout"),
        ("connections", "engine.connections"),
        ("packet_io", "engine.packet_io"),
        ("packet_threads", "engine.packet_threads"),
        ("health.interval_ms", "health.interval"),
        ("health.timeout_ms", "health.timeout"),
        ("health.dead_after_ms", "health.dead_after"),
        ("health", "health"),
        ("vips[0]", "vip"),
        ("vips", "vip"),
        ("dips", "dips"),
        ("muxes", "muxes"),
    ];

    public override string Path(string jsonPath)
    {
        if (PeerHost().Match(jsonPath) is { Success: true } peer) return peer.Groups["item"].Value;
        foreach (var (json, yaml) in Sections)
        {
            if (jsonPath == json || jsonPath.StartsWith(json + ".", StringComparison.Ordinal) || jsonPath.StartsWith(json + "[", StringComparison.Ordinal))
            {
                return yaml + jsonPath[json.Length..];
            }
        }
        return ownItem;
    }

    public override string Milliseconds(long milliseconds) => Durations.FormatFine(TimeSpan.FromMilliseconds(milliseconds));

    [GeneratedRegex(@"^(?<item>(?:dips|muxes)\[\d+\])\.(?:name|address)$")]
    private static partial Regex PeerHost();
}
