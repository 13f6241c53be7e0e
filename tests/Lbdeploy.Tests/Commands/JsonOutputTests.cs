using System.CommandLine;
using System.Text.Json;
using Lbdeploy.Commands;
using Lbdeploy.Common;
using Lbdeploy.Tests.Spec;

namespace Lbdeploy.Tests.Commands;

/// <summary>
/// `--json` on every command (docs/json.md): every subcommand of <see cref="LbdeployApp.CreateRoot"/> but the exempt
/// ones (<see cref="JsonOutput.Exempt"/>) has it, and failing ways that need no testbed (a bad argument, a missing
/// spec, a spec with an error) print exactly one error document on stdout with the exit code; plus the successes
/// that need no testbed. Commands are enumerated from the command tree, so a new command is covered the day it is added.
/// </summary>
public sealed class JsonOutputTests : IDisposable
{
    /// <summary>
    /// What each command needs beside --json to get past parsing (required arguments and options), and nothing that
    /// would let a failing run act: the runs here fail before any work. A new command goes here.
    /// </summary>
    private static readonly Dictionary<string, string[]> MinimalArgs = new(StringComparer.Ordinal)
    {
        ["plan"] = [],
        ["testbed up"] = [],
        ["testbed down"] = [],
        ["testbed status"] = [],
        ["apply"] = ["--auto-approve"],
        ["diff"] = [],
        ["verify"] = [],
        ["trace"] = ["--from", "h3"],
        ["generate-fabric"] = ["--fat-tree", "4", "--out", "fabric.json"],
        ["destroy"] = [],
        ["up"] = [],
        ["down"] = [],
        ["status"] = [],
        ["drain"] = ["h14"],
        ["undrain"] = ["h14"],
        ["weight"] = ["h14", "3"],
        ["conns"] = [],
        ["debug-bundle"] = ["--out", "bundle.tar.gz"],
    };

    private const string Valid = """
        topology: fattree.json
        vip:
          address: 20.0.0.1
        muxes: [h1, h2]
        dips: [h13, h14]
        """;

    private readonly SpecDirectory directory = new();

    public void Dispose() => directory.Dispose();

    /// <summary>Every leaf command ("testbed up", "plan", ...), by its path below the root.</summary>
    public static TheoryData<string> Commands()
    {
        var data = new TheoryData<string>();
        foreach (var path in Leaves(LbdeployApp.CreateRoot(), "")) data.Add(path);
        return data;
    }

    private static IEnumerable<string> Leaves(Command command, string path) =>
        command.Subcommands.Count == 0
            ? [path]
            : command.Subcommands.SelectMany(c => Leaves(c, path.Length == 0 ? c.Name : $"{path} {c.Name}"));

    private static Command Find(string path) =>
        path.Split(' ').Aggregate((Command)LbdeployApp.CreateRoot(), (c, name) => c.Subcommands.Single(s => s.Name == name));

    private static async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await LbdeployApp.RunAsync(args, new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    /// <summary>stdout is exactly one JSON document (JsonDocument.Parse refuses anything after it) with the header.</summary>
    private static JsonElement OneDocument(string output, int exit, bool ok)
    {
        using var document = JsonDocument.Parse(output);
        var root = document.RootElement.Clone();
        Assert.Equal(JsonSchema.Version, root.GetProperty(JsonSchema.VersionField).GetInt32());
        Assert.Equal(ok, root.GetProperty("ok").GetBoolean());
        Assert.Equal(exit, root.GetProperty("exit_code").GetInt32());
        return root;
    }

    private static JsonElement FirstError(string output, int exit)
    {
        var root = OneDocument(output, exit, ok: false);
        var errors = root.GetProperty("errors");
        Assert.True(errors.GetArrayLength() > 0, output);
        return errors[0];
    }

    private string[] Line(string path, params string[] more)
    {
        Assert.True(MinimalArgs.TryGetValue(path, out var minimal),
            $"`lbdeploy {path}` is not in {nameof(JsonOutputTests)}.{nameof(MinimalArgs)}: add it with the arguments it needs to parse ([] if none), or, if JSON makes no sense for it, to JsonOutput.Exempt with the reason");
        return [.. path.Split(' '), .. minimal.Select(a => a is "fabric.json" or "bundle.tar.gz" ? Path.Combine(directory.Path, a) : a), .. more];
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Every_command_has_json_unless_exempt(string path)
    {
        var hasJson = Find(path).Options.Any(o => o.Name == JsonOutput.OptionName);
        if (JsonOutput.Exempt.ContainsKey(path))
        {
            Assert.False(hasJson, $"`lbdeploy {path}` has --json but is listed in JsonOutput.Exempt: take it off the list");
            return;
        }
        Assert.True(hasJson, $"`lbdeploy {path}` has no --json option: add JsonOutput.Option(...) and write its document with JsonOutput.Write (docs/json.md), or list it in JsonOutput.Exempt with the reason");
        Assert.True(MinimalArgs.ContainsKey(path), $"`lbdeploy {path}` is not in {nameof(JsonOutputTests)}.{nameof(MinimalArgs)}: add it with the arguments it needs to parse ([] if none)");
    }

    [Fact]
    public void The_exempt_list_names_only_commands_that_exist()
    {
        var leaves = Leaves(LbdeployApp.CreateRoot(), "").ToHashSet(StringComparer.Ordinal);
        Assert.All(JsonOutput.Exempt, e => Assert.Contains(e.Key, leaves));
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_bad_argument_is_one_json_error_document(string path)
    {
        // Exempt commands too: --json is unknown to them, and the error is still the document that was asked for;
        // but exec's words are the program's (`exec --json` names a node "--json"), so no option is unknown there.
        if (path == "exec") return;
        var line = JsonOutput.Exempt.ContainsKey(path) ? [.. path.Split(' '), "--json", "--no-such-option"] : Line(path, "--json", "--no-such-option");
        var (exit, output, error) = await Run(line);
        Assert.Equal(ExitCodes.UserError, exit);
        Assert.Contains("unknown option", FirstError(output, exit).GetProperty("message").GetString());
        Assert.StartsWith("error: ", error); // stderr keeps its line
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_missing_spec_is_one_json_error_document_located_at_the_file(string path)
    {
        if (JsonOutput.Exempt.ContainsKey(path) || !Find(path).Options.Any(o => o.Name == "--file")) return;
        var missing = Path.Combine(directory.Path, "missing.yaml");
        var (exit, output, error) = await Run(Line(path, "-f", missing, "--json"));
        Assert.Equal(ExitCodes.UserError, exit);
        var first = FirstError(output, exit);
        Assert.Equal(missing, first.GetProperty("file").GetString());
        Assert.Contains("file not found", first.GetProperty("message").GetString());
        Assert.Contains("file not found", error);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task A_spec_with_an_error_is_one_json_error_document_with_line_and_column(string path)
    {
        if (JsonOutput.Exempt.ContainsKey(path) || !Find(path).Options.Any(o => o.Name == "--file")) return;
        var spec = directory.Write(Valid.Replace("[h13, h14]", "[h13, h99]"));
        var (exit, output, _) = await Run(Line(path, "-f", spec, "--json"));
        Assert.Equal(ExitCodes.UserError, exit);
        var first = FirstError(output, exit);
        Assert.Equal(spec, first.GetProperty("file").GetString());
        Assert.Equal(5, first.GetProperty("line").GetInt32());
        Assert.True(first.GetProperty("column").GetInt32() > 1, output);
        Assert.Equal("dips[1]", first.GetProperty("path").GetString());
        Assert.Contains("h99", first.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_mistyped_command_with_json_is_one_json_error_document()
    {
        var (exit, output, _) = await Run("pln", "--json");
        Assert.Equal(ExitCodes.UserError, exit);
        Assert.Contains("did you mean 'plan'", FirstError(output, exit).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Apply_json_without_auto_approve_refuses_instead_of_asking()
    {
        var (exit, output, _) = await Run("apply", "-f", directory.Write(Valid), "--json");
        Assert.Equal(ExitCodes.UserError, exit);
        var first = FirstError(output, exit);
        Assert.Contains("--auto-approve", first.GetProperty("fix").GetString());
    }

    [Fact]
    public async Task An_internal_error_is_exit_70_with_its_type()
    {
        var json = JsonOutput.Option("test");
        var command = new RootCommand { json };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (_, _) => throw new InvalidOperationException("boom\nsecond line"), ct));
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await command.Parse(["--json"]).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        Assert.Equal(ExitCodes.InternalError, exit);
        var first = FirstError(output.ToString(), exit);
        Assert.Equal("InvalidOperationException", first.GetProperty("type").GetString());
        Assert.Equal("boom second line", first.GetProperty("message").GetString());
        Assert.StartsWith("internal error: InvalidOperationException: boom second line", error.ToString());
    }

    [Fact]
    public async Task Plan_json_is_plan_json_with_the_header_and_the_folder()
    {
        var spec = directory.Write(Valid);
        var (exit, output, error) = await Run("plan", "-f", spec, "--json");
        Assert.Equal("", error);
        var root = OneDocument(output, exit, ok: true);
        Assert.Equal(0, exit);
        var planDirectory = Path.Combine(directory.Path, ".lbdeploy", "plan");
        Assert.Equal(planDirectory, root.GetProperty("directory").GetString());
        Assert.Equal("20.0.0.1", root.GetProperty("vip").GetProperty("address").GetString());
        // The file carries the schema version too.
        using var file = JsonDocument.Parse(File.ReadAllText(Path.Combine(planDirectory, "plan.json")));
        Assert.Equal(JsonSchema.Version, file.RootElement.GetProperty(JsonSchema.VersionField).GetInt32());
        Assert.Equal(JsonSchema.VersionField, file.RootElement.EnumerateObject().First().Name);
    }

    [Fact]
    public async Task Generate_fabric_json_names_the_file_and_its_counts()
    {
        var (exit, output, error) = await Run(Line("generate-fabric", "--json"));
        Assert.Equal("", error);
        var root = OneDocument(output, exit, ok: true);
        Assert.Equal(Path.Combine(directory.Path, "fabric.json"), root.GetProperty("file").GetString());
        Assert.Equal((16, 20, 48), (root.GetProperty("hosts").GetInt32(), root.GetProperty("switches").GetInt32(), root.GetProperty("links").GetInt32()));
        Assert.True(File.Exists(Path.Combine(directory.Path, "fabric.json")));
    }

    [Fact]
    public async Task Generate_fabric_json_with_a_bad_size_is_an_error_document()
    {
        var (exit, output, _) = await Run("generate-fabric", "--fat-tree", "3", "--out", Path.Combine(directory.Path, "f.json"), "--json");
        Assert.Equal(ExitCodes.UserError, exit);
        Assert.StartsWith("--fat-tree 3", FirstError(output, exit).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Trace_json_is_the_trace_with_the_header()
    {
        var (exit, output, _) = await Run("trace", "-f", directory.Write(Valid), "--from", "h3", "--json");
        var root = OneDocument(output, exit, ok: true);
        Assert.Equal(0, exit);
        Assert.True(root.GetProperty("complete").GetBoolean(), output);
    }
}
