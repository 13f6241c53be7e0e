using System.Text.Json;
using Lbdeploy.Common;

namespace Lbdeploy.Topology;

/// <summary>
/// Entry point of the topology stage: reads a p4-utils app config (p4app.json, with "topology" holding "hosts",
/// "switches" and "links") or the topology.json p4run writes (networkx node-link data: "nodes" and "links") and
/// returns the <see cref="Fabric"/>. A file that cannot be read is an <see cref="InputFileException"/>; a file with
/// problems is a <see cref="SpecException"/> with every problem located in it (file:line:column, JSON item path).
/// </summary>
public static class FabricLoader
{
    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = InputLimits.MaxNesting,
    };

    /// <param name="path">The topology file.</param>
    /// <param name="displayPath">How messages name it (default: <paramref name="path"/>).</param>
    public static Fabric Load(string path, string? displayPath = null) =>
        Parse(InputFiles.ReadText(path, InputLimits.MaxTopologyBytes, "fix the topology: path in lb.yaml"), path, displayPath);

    /// <summary>Parses either format from text; <paramref name="source"/> is <see cref="Fabric.Source"/>, <paramref name="displayPath"/> names it in messages.</summary>
    public static Fabric Parse(string json, string source, string? displayPath = null)
    {
        var shown = TerminalText.Escape(displayPath ?? source);
        using var document = ParseDocument(json, shown);
        var root = document.RootElement;
        try
        {
            if (root.ValueKind == JsonValueKind.Object)
            {
                if (root.TryGetProperty("topology", out var topology) && topology.ValueKind == JsonValueKind.Object)
                    return AppConfigImporter.Import(AppConfigJson.Read(root, source), source);
                if (root.TryGetProperty("nodes", out _) && root.TryGetProperty("links", out _))
                    return TopologyJsonImporter.Import(root, source);
            }
        }
        catch (TopologyException e)
        {
            throw new SpecException(e.Locate(json, shown));
        }
        throw new SpecException([new SpecDiagnostic(shown, SourceLocation.Start, "",
            "not a p4-utils topology: expected an app config with \"topology\": {\"hosts\", \"switches\", \"links\"} or the topology.json p4run writes, with \"nodes\" and \"links\"")]);
    }

    /// <summary>Builds the fabric of an in-memory app config (generators, tests); problems are a <see cref="TopologyException"/>.</summary>
    public static Fabric FromAppConfig(AppConfig config, string source) => AppConfigImporter.Import(config, source);

    private static JsonDocument ParseDocument(string json, string shown)
    {
        try
        {
            return JsonDocument.Parse(json, JsonOptions);
        }
        catch (JsonException e)
        {
            var line = (int)(e.LineNumber ?? 0) + 1;
            var column = (int)(e.BytePositionInLine ?? 0) + 1;
            var reason = e.Message.Split(" LineNumber:", 2)[0].Split(" Path:", 2)[0].TrimEnd('.', ' ');
            if (reason.Contains("maximum configured depth", StringComparison.Ordinal))
            {
                throw new SpecException([new SpecDiagnostic(shown, new SourceLocation(line, column), "",
                    $"arrays and objects nest deeper than {JsonOptions.MaxDepth} levels here; a topology needs at most 4, so remove the extra nesting")]);
            }
            throw new SpecException([new SpecDiagnostic(shown, new SourceLocation(line, column), "", $"malformed JSON ({TerminalText.Escape(reason, 200)}); fix the syntax at that position")]);
        }
    }
}
