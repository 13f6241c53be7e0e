using System.Globalization;
using System.Text.RegularExpressions;

namespace Lb.Core.Config;

/// <summary>
/// The inclusive range of one numeric key of the engine config. <see cref="Key"/> is its JSON path with <c>[]</c> for
/// any list index (<c>dips[].weight</c>); <see cref="Default"/> is the value a missing key takes (null: required).
/// </summary>
public sealed record ConfigLimit(string Key, long Min, long Max, long? Default = null)
{
    public bool Contains(long value) => value >= Min && value <= Max;

    /// <summary>The range as the engine's messages write it: <c>3..16777259</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Min}..{Max}");
}

/// <summary>
/// Every bound of the engine config, in one place: the engine's validator checks them, lbdeploy's spec reader checks
/// lb.yaml against them (so a valid spec always renders a valid config) and engine/README.md lists them.
/// </summary>
public static partial class EngineLimits
{
    /// <summary>VIPs one engine serves at most: the ring path's classic BPF filter has 8-bit jumps (2n + 6 instructions).</summary>
    public const int MaxVips = 120;

    public static readonly ConfigLimit Mtu = new("mtu", 576, 65535, EngineDefaults.Mtu);
    public static readonly ConfigLimit VipPort = new("vips[].ports[].port", 1, 65535);
    public static readonly ConfigLimit Weight = new("dips[].weight", 0, 1000, EngineDefaults.Weight);
    public static readonly ConfigLimit TableSize = new("hash.table_size", 3, 16_777_259, EngineDefaults.TableSize);
    public static readonly ConfigLimit Seed = new("hash.seed", 0, uint.MaxValue, EngineDefaults.Seed);
    public static readonly ConfigLimit Capacity = new("connections.capacity", 8, 16_777_216, EngineDefaults.Capacity);

    /// <summary>A mux's packet threads, each with its own AF_PACKET ring in one fanout group.</summary>
    public static readonly ConfigLimit PacketThreads = new("packet_threads", 1, 16, EngineDefaults.PacketThreads);
    public static readonly ConfigLimit IdleTimeoutSeconds = new("connections.idle_timeout_seconds", 1, 86_400, EngineDefaults.IdleTimeoutSeconds);
    public static readonly ConfigLimit HealthIntervalMs = new("health.interval_ms", 50, 60_000, EngineDefaults.HealthIntervalMs);
    public static readonly ConfigLimit HealthTimeoutMs = new("health.timeout_ms", 10, 60_000, EngineDefaults.HealthTimeoutMs);
    public static readonly ConfigLimit HealthRise = new("health.rise", 1, 100, EngineDefaults.HealthRise);
    public static readonly ConfigLimit HealthFall = new("health.fall", 1, 100, EngineDefaults.HealthFall);
    public static readonly ConfigLimit HealthDeadAfterMs = new("health.dead_after_ms", 100, 600_000, EngineDefaults.HealthDeadAfterMs);
    public static readonly ConfigLimit HealthPort = new("health.port", 1, 65535, EngineDefaults.HealthPort);
    public static readonly ConfigLimit HealthHttpStatus = new("health.http.expect_status", 100, 599, EngineDefaults.HealthHttpStatus);
    public static readonly ConfigLimit MetricsPort = new("metrics.listen (port)", 1, 65535);
    public static readonly ConfigLimit SecondChanceRetentionSeconds = new("second_chance.retention_seconds", 1, 86_400, EngineDefaults.SecondChanceRetentionSeconds);

    /// <summary>
    /// Retired Maglev tables a mux keeps for the second chance: its memory is at most twice this many times the table
    /// size times 4 bytes (the versions, and their owners slot by slot for the packet path: 2 MiB with the default
    /// 65537 slots; 512 MiB at the largest table size).
    /// </summary>
    public const int MaxPoolVersions = 4;

    /// <summary>Alternate DIPs one packet carries at most (the outer header's option is then 4 + 4 * 3 = 16 bytes).</summary>
    public const int MaxAlternates = 3;

    /// <summary>
    /// Longest URL path a check or a probe sends (health.http.path, lb.yaml's verify.path): what HTTP servers and
    /// clients reliably take in a request line.
    /// </summary>
    public const int MaxUrlPathLength = 2000;

    /// <summary>Why <paramref name="path"/> cannot be sent as a request path (or null): '/' first, printable ASCII, no space.</summary>
    public static string? UrlPathProblem(string path) =>
        path.Length == 0 || path[0] != '/' ? "start it with '/'"
        : path.Length > MaxUrlPathLength ? $"it is {path.Length} characters; at most {MaxUrlPathLength}"
        : path.Any(c => c is <= ' ' or > '~') ? "leave out spaces and characters outside printable ASCII (percent-encode them)"
        : null;

    public static readonly IReadOnlyList<ConfigLimit> All =
    [
        Mtu, PacketThreads, VipPort, Weight, TableSize, Seed, Capacity, IdleTimeoutSeconds,
        HealthIntervalMs, HealthTimeoutMs, HealthRise, HealthFall, HealthDeadAfterMs, HealthPort, HealthHttpStatus, MetricsPort,
        SecondChanceRetentionSeconds,
    ];

    /// <summary>The limit of the key at a JSON path such as <c>dips[2].weight</c>, if it has one.</summary>
    public static ConfigLimit? Of(string path)
    {
        var key = Index().Replace(path, "[]");
        return All.FirstOrDefault(limit => limit.Key == key);
    }

    [GeneratedRegex(@"\[\d+\]")]
    private static partial Regex Index();
}
