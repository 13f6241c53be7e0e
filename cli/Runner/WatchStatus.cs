using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lbdeploy.Runner;

/// <summary>
/// What the watcher last saw and did, rewritten every round (<see cref="DeployPaths.WatchStatusFile"/>); verify and
/// status read it. <see cref="Routes"/>: the VIP routes (linux) or entries (bmv2) as installed.
/// </summary>
public sealed record WatchStatus(
    int Pid,
    DateTimeOffset UpdatedAt,
    ImmutableSortedDictionary<string, bool> Muxes,
    ImmutableSortedDictionary<string, ImmutableArray<string>> Routes,
    long Failovers)
{
    /// <summary>One line of what the watcher does: the routes (linux) or entries (bmv2) it keeps.</summary>
    public string Actions => string.Join("; ", Routes.Select(r => $"{r.Key} -> {string.Join(", ", r.Value)}"));

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes the status atomically (readers never see half a file).</summary>
    public void Save(DeployPaths paths)
    {
        var temp = paths.WatchStatusFile + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, paths.WatchStatusFile, overwrite: true);
    }

    public static WatchStatus? Load(DeployPaths paths)
    {
        try
        {
            return File.Exists(paths.WatchStatusFile) ? JsonSerializer.Deserialize<WatchStatus>(File.ReadAllText(paths.WatchStatusFile), Json) : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }
}
