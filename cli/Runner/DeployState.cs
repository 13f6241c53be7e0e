using Lbdeploy.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lbdeploy.Nodes;

namespace Lbdeploy.Runner;

/// <summary>
/// What apply did, saved as <c>deploy/applied.json</c> (see <see cref="StateDirectories"/>): the units with their
/// hashes, the pids it started and the node pids of the network it applied to (a restarted network voids it).
/// The applied plan's files live in <c>deploy/plan/</c>: engines read their configs there, and destroy runs the
/// tear-down scripts of what was applied, not of the current spec.
/// </summary>
public sealed record DeployState
{
    public required string SpecPath { get; init; }
    public required string Target { get; init; }
    public required Dictionary<string, int> Network { get; init; }
    public required List<AppliedUnit> Units { get; init; }
    public DateTimeOffset UpdatedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>What the fabric was when applied (<see cref="NetworkLocator.Fingerprint"/>): verify refuses a plan of another.</summary>
    public string? FabricFingerprint { get; init; }

    /// <summary>The mux watcher apply started (linux target), or null.</summary>
    public AppliedWatcher? Watcher { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Directory => StateDirectories.Deploy;
    public static string FilePath => Path.Combine(Directory, "applied.json");
    public static string PlanDirectory => Path.Combine(Directory, "plan");
    public static string LogDirectory => Path.Combine(Directory, "logs");
    public static string PidDirectory => Path.Combine(Directory, "pids");

    public static DeployState? Load()
    {
        if (!File.Exists(FilePath)) return null;
        try
        {
            return JsonSerializer.Deserialize<DeployState>(File.ReadAllText(FilePath), Json);
        }
        catch (JsonException e)
        {
            throw new RunnerException($"{FilePath} is not a valid deploy state ({e.Message}); delete {Directory} if nothing is deployed");
        }
    }

    public void Save()
    {
        System.IO.Directory.CreateDirectory(Directory);
        var temp = FilePath + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this with { UpdatedAt = DateTimeOffset.UtcNow }, Json));
        File.Move(temp, FilePath, overwrite: true);
    }

    public static void Delete()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <summary>True when every node this state was applied to still runs with the same shell pid.</summary>
    public bool MatchesNetwork(MininetNetwork network) =>
        Network.All(kv => network.Nodes.TryGetValue(kv.Key, out var pid) && pid == kv.Value);

    /// <summary>
    /// The network this state was applied to, when every one of its node shells still runs (same pid, still the
    /// mininet shell of that node); null when any is gone. Found by pid, never by scanning for "some" network.
    /// </summary>
    public MininetNetwork? LiveNetwork() =>
        Network.Count > 0 && Network.All(kv => Processes.IsAlive(kv.Value) && MininetNetwork.NodeNameOf(Processes.CommandLine(kv.Value)) == kv.Key)
            ? MininetNetwork.FromNodes(Network)
            : null;
}

/// <summary>One applied unit: its hash and, for processes, the pid, log and (engines) control socket.</summary>
public sealed record AppliedUnit
{
    public required UnitKind Kind { get; init; }
    public required string Host { get; init; }
    public required string Hash { get; init; }
    public List<string> Files { get; init; } = [];
    public int? Pid { get; init; }
    public string? ProcessFingerprint { get; init; }
    public string? LogFile { get; init; }
    public string? ControlSocket { get; init; }
    public string? ConfigFile { get; init; }
    public int? ThriftPort { get; init; }

    public string Key => $"{Kind.ToString().ToLowerInvariant()}:{Host}";

    public string Label => $"{Kind.ToString().ToLowerInvariant()} {Host}";

    /// <summary>The process apply started is still alive and still the same program (pids get reused).</summary>
    [JsonIgnore]
    public bool IsProcessAlive =>
        Pid is { } pid && Processes.IsAlive(pid) && string.Join(' ', Processes.CommandLine(pid)) == ProcessFingerprint;
}

/// <summary>The mux watcher daemon (`lbdeploy watch`) apply started: see <c>Lbdeploy.Watching.WatcherProcess</c>.</summary>
public sealed record AppliedWatcher
{
    public required int Pid { get; init; }
    public required string ProcessFingerprint { get; init; }
    public required string LogFile { get; init; }

    /// <summary>The hash of the watch config it was started with (a changed plan restarts it).</summary>
    public string? ConfigHash { get; init; }

    [JsonIgnore]
    public bool IsAlive => Processes.IsAlive(Pid) && string.Join(' ', Processes.CommandLine(Pid)) == ProcessFingerprint;
}
