using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lbdeploy.Runner;

/// <summary>What the watcher last saw and did, rewritten every round (<c>deploy/watch-status.json</c>); verify and status read it.</summary>
public sealed record WatchStatus(int Pid, DateTimeOffset UpdatedAt, ImmutableSortedDictionary<string, bool> Muxes, ImmutableSortedDictionary<string, ImmutableArray<string>> Routes, long Failovers)
{
    public static string FilePath => Path.Combine(DeployState.Directory, "watch-status.json");

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes the status atomically (readers never see half a file).</summary>
    public void Save()
    {
        var temp = FilePath + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this, Json));
        File.Move(temp, FilePath, overwrite: true);
    }

    public static WatchStatus? Load()
    {
        try
        {
            return File.Exists(FilePath) ? JsonSerializer.Deserialize<WatchStatus>(File.ReadAllText(FilePath), Json) : null;
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }
}
