using System.Text.Json;
using System.Text.Json.Serialization;
using Lbdeploy.Common;

namespace Lbdeploy.Runner;

/// <summary>The deploy state as <c>deploy/applied.json</c>, written atomically (a reader never sees half a file).</summary>
public sealed class DeployStateFile(DeployPaths paths, TimeProvider time) : IDeployStateStore
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The state file of the state folder this process uses.</summary>
    public static DeployStateFile Default => new(DeployPaths.Default, TimeProvider.System);

    public DeployPaths Paths { get; } = paths;

    public DeployState? Load()
    {
        if (!File.Exists(Paths.StateFile)) return null;
        try
        {
            return JsonSerializer.Deserialize<DeployState>(File.ReadAllText(Paths.StateFile), Json);
        }
        catch (JsonException e)
        {
            throw new RunnerException($"{Paths.StateFile} is not a valid deploy state ({e.Message}); delete {Paths.Directory} if nothing is deployed");
        }
    }

    public void Save(DeployState state)
    {
        Directory.CreateDirectory(Paths.Directory);
        var temp = Paths.StateFile + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(state with { UpdatedAt = time.GetUtcNow() }, Json));
        File.Move(temp, Paths.StateFile, overwrite: true);
    }

    public void Delete()
    {
        if (Directory.Exists(Paths.Directory)) Directory.Delete(Paths.Directory, recursive: true);
    }
}
