using System.Text.Json;

namespace Lb.Core.Config;

/// <summary>Writes the engine config file (lbdeploy plan); <see cref="EngineConfigLoader"/> reads it.</summary>
public static class EngineConfigJson
{
    /// <summary>The file's text: indented, snake_case, "\n" line ends and a final newline.</summary>
    public static string Serialize(EngineConfig config) =>
        JsonSerializer.Serialize(config, EngineConfigJsonContext.Default.EngineConfig) + "\n";
}
