using System.Text.Json;

namespace Lbdeploy.Topology;

/// <summary>
/// Entry point of the topology stage: reads a p4-utils app config (p4app.json, with "topology" holding "hosts",
/// "switches" and "links") or the topology.json p4run writes (networkx node-link data: "nodes" and "links") and
/// returns the <see cref="Fabric"/>. Every failure is a <see cref="TopologyException"/> with a one-line message.
/// </summary>
public static class FabricLoader
{
    private static readonly JsonDocumentOptions JsonOptions = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static Fabric Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new TopologyException($"{path}: cannot read the topology file ({e.Message}); check the path in the spec", e);
        }
        return Parse(text, path);
    }

    /// <summary>Parses either format from text; <paramref name="source"/> names it in messages and in <see cref="Fabric.Source"/>.</summary>
    public static Fabric Parse(string json, string source)
    {
        using var document = ParseDocument(json, source);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object)
        {
            if (root.TryGetProperty("topology", out var topology) && topology.ValueKind == JsonValueKind.Object)
                return AppConfigImporter.Import(AppConfigJson.Read(root, source), source);
            if (root.TryGetProperty("nodes", out _) && root.TryGetProperty("links", out _))
                return TopologyJsonImporter.Import(root, source);
        }
        throw new TopologyException(
            $"{source}: not a p4-utils topology (expected an app config with \"topology\": {{\"hosts\", \"switches\", \"links\"}} or the topology.json p4run writes, with \"nodes\" and \"links\")");
    }

    /// <summary>Reads just the app config (for tools that edit or re-write it).</summary>
    public static AppConfig LoadAppConfig(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new TopologyException($"{path}: cannot read the app config ({e.Message}); check the path", e);
        }
        using var document = ParseDocument(text, path);
        return AppConfigJson.Read(document.RootElement, path);
    }

    /// <summary>Builds the fabric of an in-memory app config (generators, tests).</summary>
    public static Fabric FromAppConfig(AppConfig config, string source) => AppConfigImporter.Import(config, source);

    private static JsonDocument ParseDocument(string json, string source)
    {
        try
        {
            return JsonDocument.Parse(json, JsonOptions);
        }
        catch (JsonException e)
        {
            var line = (e.LineNumber ?? 0) + 1;
            var column = (e.BytePositionInLine ?? 0) + 1;
            var reason = e.Message.Split(" LineNumber:", 2)[0].Split(" Path:", 2)[0].TrimEnd('.', ' ');
            throw new TopologyException($"{source}:{line}:{column}: malformed JSON ({reason}); fix the syntax at that position", e);
        }
    }
}
