using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Lbdeploy.Debugging;

/// <summary>One file of the bundle: its path in the archive, its size there, where it came from, and whether only its end was kept.</summary>
public sealed record BundleFile(string Path, long Bytes, string Source, bool Truncated = false);

/// <summary>Something the bundle could not collect (a command that failed, a node that timed out, an engine that did not answer).</summary>
public sealed record BundleFailure(string Where, string What, string Message, int? ExitCode = null);

/// <summary>A node the bundle entered: its kind and how long its report took.</summary>
public sealed record BundleNode(string Name, string Kind, double Seconds, bool Complete);

/// <summary>
/// manifest.json, the bundle's first file: when and from which state folder and network it was made, every file it
/// holds and everything that failed while collecting (a failure never stops the rest).
/// </summary>
public sealed record BundleManifest(
    int SchemaVersion,
    string CreatedAt,
    string StateFolder,
    string? Network,
    IReadOnlyList<BundleNode> Nodes,
    IReadOnlyList<BundleFile> Files,
    IReadOnlyList<BundleFailure> Failures)
{
    public const int Version = 1;

    public const string FileName = "manifest.json";

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static BundleManifest Parse(string json) =>
        JsonSerializer.Deserialize<BundleManifest>(json, Json) ?? throw new JsonException("manifest.json is empty");

    /// <summary>
    /// The failed commands of a node's commands.tsv (file, exit code, command; one per line, as
    /// templates/runner/node-report.sh writes it), with the first line of each one's error output when there is one.
    /// </summary>
    public static IReadOnlyList<BundleFailure> FailedCommands(string node, string commandsTsv, Func<string, string?> errorOf)
    {
        var failures = new List<BundleFailure>();
        foreach (var line in commandsTsv.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t', 3);
            if (fields.Length != 3 || !int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var code))
            {
                failures.Add(new BundleFailure(node, "commands.tsv", $"unreadable line {Common.TerminalText.Quote(line)}"));
                continue;
            }
            if (code == 0) continue;
            var error = errorOf(fields[0])?.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim();
            var why = code == 124 ? "timed out" : error ?? "no error output";
            failures.Add(new BundleFailure(node, fields[2], $"{fields[0]}: {why}", code));
        }
        return failures;
    }
}
