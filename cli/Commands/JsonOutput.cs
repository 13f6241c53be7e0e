using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lbdeploy.Common;

namespace Lbdeploy.Commands;

/// <summary>
/// `--json` on every command (docs/json.md): stdout holds exactly one document, written here, that starts with
/// <c>schema_version</c>, <c>ok</c> and <c>exit_code</c> and carries what the text output says; progress goes to
/// stderr. Errors are the same kind of document (<see cref="WriteErrors"/>), whichever command failed.
/// </summary>
public static class JsonOutput
{
    public const string OptionName = "--json";

    /// <summary>The commands without --json, and why: the one list (the test over every command reads it).</summary>
    public static readonly IReadOnlyDictionary<string, string> Exempt = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["completion"] = "its output is a shell script for the shell to source",
        ["exec"] = "it is the program's own stdin, stdout, stderr and exit code, passed through untouched",
        ["shell"] = "an interactive shell on the terminal",
        ["watch"] = "the mux watcher daemon apply starts (hidden): it runs until stopped and logs one line per event to its log file",
    };

    /// <summary>A command's --json option (a fresh one per command: an option belongs to one parent).</summary>
    public static Option<bool> Option(string description) => new(OptionName) { Description = description };

    /// <summary>Whether the parsed command has a --json option and it is set.</summary>
    public static bool Requested(ParseResult parse) =>
        parse.CommandResult.Command.Options.FirstOrDefault(o => o.Name == OptionName) is Option<bool> json && parse.GetValue(json);

    /// <summary>snake_case, like plan.json; readable arrows and quotes (the output is a terminal or a file, never HTML).</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions OneLine = new(Options) { WriteIndented = false };

    /// <summary>ok is false exactly when the exit code says a failure (1, 70, 130); diff's 2 (changes pending) is ok.</summary>
    public static bool IsOk(int exitCode) => exitCode is ExitCodes.Success or ExitCodes.Pending;

    /// <summary>Writes one document: the header, then <paramref name="payload"/>'s fields; returns <paramref name="exitCode"/>.</summary>
    public static int Write(TextWriter output, int exitCode, object payload, bool oneLine = false) =>
        Write(output, exitCode, JsonSerializer.SerializeToNode(payload, payload.GetType(), Options)!.AsObject(), oneLine);

    /// <summary>As <see cref="Write(TextWriter, int, object, bool)"/> for a document already serialized (plan.json, a trace).</summary>
    public static int Write(TextWriter output, int exitCode, string payloadJson) =>
        Write(output, exitCode, JsonNode.Parse(payloadJson)!.AsObject());

    /// <summary>As <see cref="Write(TextWriter, int, object, bool)"/> for a payload built as a JSON object (its nodes move into the document).</summary>
    public static int Write(TextWriter output, int exitCode, JsonObject payload, bool oneLine = false)
    {
        var document = new JsonObject
        {
            [JsonSchema.VersionField] = JsonSchema.Version,
            ["ok"] = IsOk(exitCode),
            ["exit_code"] = exitCode,
        };
        foreach (var (name, value) in payload.ToList())
        {
            if (document.ContainsKey(name)) continue;
            payload.Remove(name);
            document[name] = value;
        }
        output.WriteLine(document.ToJsonString(oneLine ? OneLine : Options));
        output.Flush();
        return exitCode;
    }

    /// <summary>The error document: <c>{"schema_version", "ok": false, "exit_code", "errors": [...]}</c>.</summary>
    public static int WriteErrors(TextWriter output, int exitCode, IEnumerable<JsonError> errors) =>
        Write(output, exitCode, new { Errors = errors.ToList() });
}

/// <summary>
/// One problem of an error document: the one-line message, where (an input file's line and column, the spec item's
/// path), the fix when it is known apart from the message, and the exception type of an internal error.
/// </summary>
public sealed record JsonError(string Message)
{
    public string Severity { get; init; } = "error";
    public string? File { get; init; }
    public int? Line { get; init; }
    public int? Column { get; init; }
    public string? Path { get; init; }
    public string? Fix { get; init; }
    public string? Type { get; init; }

    public static JsonError Of(SpecDiagnostic diagnostic) => new(diagnostic.Message)
    {
        Severity = diagnostic.IsError ? "error" : "warning",
        File = diagnostic.File,
        Line = diagnostic.Location.Line,
        Column = diagnostic.Location.Column,
        Path = diagnostic.Path.Length == 0 ? null : diagnostic.Path,
    };
}
