using System.Diagnostics;
using System.Text;
using Lbdeploy.Tests.EndToEnd;
using Lbdeploy.Tests.Spec;

namespace Lbdeploy.Tests.Corpus;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CorpusCollection
{
    /// <summary>Alone, so each case's time and allocation are its own.</summary>
    public const string Name = "bad input corpus";
}

/// <summary>
/// The bad-input corpus (tests/Lbdeploy.Tests/Corpus/*.cases, format in README.md there): every case runs the real
/// command line on files written to a fresh folder and must print exactly its expected located lines, exit with its
/// code (never 70, the internal error), print no stack trace and no raw control character, finish in under 5 s,
/// allocate under 1 GB, and write nothing but the plan folder (out/) and the state folder (state/) it was given.
/// </summary>
[Collection(CorpusCollection.Name)]
public sealed class BadInputCorpusTests
{
    private static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(5);
    private const long AllocationLimit = 1L << 30;

    public static TheoryData<string> Cases => [.. CorpusCase.All.Keys];

    [Fact]
    public void The_corpus_has_at_least_150_cases() => Assert.True(CorpusCase.All.Count >= 150, $"only {CorpusCase.All.Count} cases");

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case_prints_its_located_lines_and_nothing_worse(string name)
    {
        var @case = CorpusCase.All[name];
        var folder = Directory.CreateTempSubdirectory("lbdeploy-corpus-").FullName;
        try
        {
            @case.Materialize(folder);
            var before = Snapshot(folder);
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            // The collection runs alone, so a case may point the process at its own state folder for its run.
            var saved = @case.Environment.ToDictionary(e => e.Key, e => Environment.GetEnvironmentVariable(e.Key));
            foreach (var (key, value) in @case.Environment) Environment.SetEnvironmentVariable(key, value.Replace("{dir}", folder, StringComparison.Ordinal));
            CliRun run;
            try
            {
                // A hang fails the case (at 6x its time bound) instead of stalling the suite.
                var running = CliRun.RunAsync(@case.Arguments(folder));
                try
                {
                    run = await running.WaitAsync(TimeLimit * 6);
                }
                catch (TimeoutException)
                {
                    throw new TimeoutException($"case '{name}' ({@case.Source}) still runs after {(TimeLimit * 6).TotalSeconds:0} s: a hang");
                }
            }
            finally
            {
                foreach (var (key, value) in saved) Environment.SetEnvironmentVariable(key, value);
            }
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;

            var error = run.Error.Replace(folder, "{dir}", StringComparison.Ordinal);
            var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (Environment.GetEnvironmentVariable("LBDEPLOY_REFRESH_CORPUS") == "1") CorpusCase.Record(name, lines, run.ExitCode);
            var context = $"case '{name}' ({@case.Source}):\nexpected (exit {@case.ExitCode}):\n  {string.Join("\n  ", @case.Expected)}\nactual (exit {run.ExitCode}):\n  {string.Join("\n  ", lines)}";
            Assert.True(run.ExitCode != 70 && !error.Contains("internal error", StringComparison.Ordinal), context);
            Assert.True(!error.Contains("   at ", StringComparison.Ordinal), "stack trace: " + context);
            Assert.True(!error.Any(c => char.IsControl(c) && c != '\n'), "raw control character in the output: " + context);
            Assert.True(run.Elapsed < TimeLimit, $"took {run.Elapsed.TotalSeconds:0.0} s: {context}");
            Assert.True(allocated < AllocationLimit, $"allocated {allocated >> 20} MB: {context}");
            Assert.True(@case.ExitCode == run.ExitCode && @case.Expected.SequenceEqual(lines), context);

            bool Allowed(string path) => path is "out" or "state" || path.StartsWith("out/", StringComparison.Ordinal) || path.StartsWith("state/", StringComparison.Ordinal);
            var written = Snapshot(folder).Except(before).Where(p => !Allowed(p)).ToList();
            Assert.True(written.Count == 0, $"wrote outside the plan folder and the state folder: {string.Join(", ", written)}; {context}");
            foreach (var outside in @case.MustNotExist) Assert.False(Path.Exists(Path.Combine(folder, outside)), $"{outside} exists: {context}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static HashSet<string> Snapshot(string folder) =>
        Directory.EnumerateFileSystemEntries(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .Select(p => Path.GetRelativePath(folder, p))
            .ToHashSet(StringComparer.Ordinal);
}

/// <summary>One case of the corpus: its files, command line and expected output.</summary>
internal sealed record CorpusCase(string Name, string Source, IReadOnlyList<(string Path, string Content)> Files, string? Args, IReadOnlyList<string> Expected, int ExitCode, IReadOnlyList<string> MustNotExist)
{
    /// <summary>Environment variables set while the case runs (`>>> env`, NAME=VALUE lines, {dir} allowed).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    private static readonly string Folder = RepoPaths.Combine("tests", "Lbdeploy.Tests", "Corpus");

    public static IReadOnlyDictionary<string, CorpusCase> All { get; } = Load();

    public string[] Arguments(string folder)
    {
        var args = Args ?? "plan -f {dir}/lb.yaml --out {dir}/out";
        return [.. args.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(a => Unescape(a.Replace("{dir}", folder, StringComparison.Ordinal)))];
    }

    /// <summary>Writes the case's files: every case has the course fat tree as fattree.json and an empty wwwroot/ unless it says otherwise.</summary>
    public void Materialize(string folder)
    {
        File.Copy(RepoPaths.Combine("examples", "fattree", "fattree_app.json"), Path.Combine(folder, "fattree.json"));
        Directory.CreateDirectory(Path.Combine(folder, "wwwroot"));
        foreach (var (path, content) in Files)
        {
            var target = Path.Combine(folder, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (File.Exists(target)) File.Delete(target);
            CorpusGenerators.Write(target, content, folder);
        }
    }

    /// <summary>Escapes a command-line word may use: \e (escape), \n, \t, \0, \s (space), \xHH.</summary>
    private static string Unescape(string word)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < word.Length; i++)
        {
            if (word[i] != '\\' || i + 1 == word.Length) { builder.Append(word[i]); continue; }
            var c = word[++i];
            switch (c)
            {
                case 'e': builder.Append('\u001b'); break;
                case 'n': builder.Append('\n'); break;
                case 't': builder.Append('\t'); break;
                case '0': builder.Append('\0'); break;
                case 's': builder.Append(' '); break;
                case 'x': builder.Append((char)Convert.ToInt32(word.Substring(i + 1, 2), 16)); i += 2; break;
                default: builder.Append('\\').Append(c); break;
            }
        }
        return builder.ToString();
    }

    /// <summary>tools/refresh-corpus.sh: writes what a case printed as its expected lines (review the diff before committing).</summary>
    public static void Record(string name, IReadOnlyList<string> lines, int exit)
    {
        var file = Path.Combine(Folder, All[name].Source.Split(':')[0]);
        var text = File.ReadAllLines(file).ToList();
        var start = text.FindIndex(l => l.StartsWith("=== ", StringComparison.Ordinal) && l[4..].Trim() == name);
        var end = text.FindIndex(start + 1, l => l.StartsWith("=== ", StringComparison.Ordinal));
        if (end < 0) end = text.Count;
        // Drop the old expect/exit sections of this case, then append the new ones at its end.
        var kept = new List<string>();
        var skipping = false;
        for (var i = start; i < end; i++)
        {
            if (text[i].StartsWith(">>> ", StringComparison.Ordinal)) skipping = text[i][4..].Trim() is "expect" or "exit";
            if (!skipping) kept.Add(text[i]);
        }
        while (kept.Count > 0 && kept[^1].Length == 0) kept.RemoveAt(kept.Count - 1);
        if (exit != 1) kept.AddRange([">>> exit", exit.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kept.Add(">>> expect");
        kept.AddRange(lines);
        kept.Add("");
        text.RemoveRange(start, end - start);
        text.InsertRange(start, kept);
        File.WriteAllText(file, string.Join('\n', text).TrimEnd('\n') + "\n");
    }

    private static Dictionary<string, CorpusCase> Load()
    {
        var cases = new Dictionary<string, CorpusCase>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(Folder, "*.cases").Order(StringComparer.Ordinal))
        {
            foreach (var @case in Parse(File.ReadAllText(file), Path.GetFileName(file)))
            {
                if (!cases.TryAdd(@case.Name, @case)) throw new InvalidOperationException($"{file}: case '{@case.Name}' is defined twice");
            }
        }
        return cases;
    }

    private static IEnumerable<CorpusCase> Parse(string text, string source)
    {
        string? name = null;
        string? section = null;
        var files = new List<(string, string)>();
        var expected = new List<string>();
        var mustNotExist = new List<string>();
        var environment = new Dictionary<string, string>();
        string? args = null;
        var exit = 1;
        var buffer = new StringBuilder();
        var lineNumber = 0;
        var start = 0;

        void EndSection()
        {
            if (section is null) return;
            var content = buffer.ToString();
            switch (section)
            {
                case "expect": expected.AddRange(content.Split('\n', StringSplitOptions.RemoveEmptyEntries)); break;
                case "args": args = content.Trim(); break;
                case "exit": exit = int.Parse(content.Trim(), System.Globalization.CultureInfo.InvariantCulture); break;
                case "absent": mustNotExist.AddRange(content.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
                case "env":
                    foreach (var pair in content.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var equals = pair.IndexOf('=');
                        environment[pair[..equals]] = pair[(equals + 1)..];
                    }
                    break;
                default: files.Add((section, content)); break;
            }
            section = null;
            buffer.Clear();
        }

        CorpusCase? EndCase()
        {
            EndSection();
            if (name is null) return null;
            var @case = new CorpusCase(name, $"{source}:{start}", [.. files], args, [.. expected], exit, [.. mustNotExist])
            {
                Environment = new Dictionary<string, string>(environment),
            };
            environment.Clear();
            files.Clear();
            expected.Clear();
            mustNotExist.Clear();
            args = null;
            exit = 1;
            return @case;
        }

        foreach (var line in text.Split('\n'))
        {
            lineNumber++;
            if (line.StartsWith("=== ", StringComparison.Ordinal))
            {
                if (EndCase() is { } done) yield return done;
                name = line[4..].Trim();
                start = lineNumber;
                continue;
            }
            if (line.StartsWith(">>> ", StringComparison.Ordinal))
            {
                EndSection();
                section = line[4..].Trim();
                continue;
            }
            if (section is null) continue; // comments between the name and the first section
            buffer.Append(line).Append('\n');
        }
        if (EndCase() is { } last) yield return last;
    }
}

/// <summary>
/// File contents a case cannot spell out: a first line <c>@name ARGS</c> in a file section asks for one of these
/// instead of literal text.
/// </summary>
internal static class CorpusGenerators
{
    public static void Write(string target, string content, string folder)
    {
        if (!content.StartsWith('@'))
        {
            File.WriteAllText(target, content);
            return;
        }
        var words = content.Trim().Split(' ', 2);
        var argument = words.Length > 1 ? words[1] : "";
        switch (words[0])
        {
            case "@nested-lists": // @nested-lists N: `muxes: [[[...]]]` N deep
                var depth = int.Parse(argument, System.Globalization.CultureInfo.InvariantCulture);
                File.WriteAllText(target, "topology: fattree.json\nvip: { address: 20.0.0.1 }\ndips: [h13]\nmuxes: " + new string('[', depth) + new string(']', depth) + "\n");
                break;
            case "@nested-json": // @nested-json N: a topology of N nested arrays
                var level = int.Parse(argument, System.Globalization.CultureInfo.InvariantCulture);
                File.WriteAllText(target, "{\"topology\": " + new string('[', level) + new string(']', level) + "}");
                break;
            case "@alias-bomb": // @alias-bomb N: nine aliases per level, N levels ("billion laughs")
                var levels = int.Parse(argument, System.Globalization.CultureInfo.InvariantCulture);
                var bomb = new StringBuilder("topology: fattree.json\nvip: { address: 20.0.0.1 }\ndips: [h13]\nx0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
                for (var i = 1; i <= levels; i++)
                {
                    bomb.Append($"x{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]\n");
                }
                bomb.Append($"muxes: *a{levels}\n");
                File.WriteAllText(target, bomb.ToString());
                break;
            case "@alias-key-bomb": // @alias-key-bomb N: the bomb used as a mapping key
                var keyLevels = int.Parse(argument, System.Globalization.CultureInfo.InvariantCulture);
                var keyBomb = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
                for (var i = 1; i <= keyLevels; i++) keyBomb.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]\n");
                keyBomb.Append($"? *a{keyLevels}\n: boom\n");
                File.WriteAllText(target, keyBomb.ToString());
                break;
            case "@repeat": // @repeat N TEXT: TEXT N times (\n for a newline)
                var parts = argument.Split(' ', 2);
                var count = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
                using (var writer = new StreamWriter(target))
                {
                    var unit = parts[1].Replace("\\n", "\n", StringComparison.Ordinal);
                    for (var i = 0; i < count; i++) writer.Write(unit);
                }
                break;
            case "@huge-value": // @huge-value N: a spec whose verify.path is N characters
                File.WriteAllText(target, "topology: fattree.json\nvip: { address: 20.0.0.1 }\nmuxes: [h1, h2]\ndips: [h13, h14]\nverify:\n  path: /"
                    + new string('x', int.Parse(argument, System.Globalization.CultureInfo.InvariantCulture)) + "\n");
                break;
            case "@huge-key": // @huge-key N: a spec with an unknown key of N characters
                File.WriteAllText(target, "topology: fattree.json\nvip: { address: 20.0.0.1 }\nmuxes: [h1, h2]\ndips: [h13, h14]\n"
                    + new string('k', int.Parse(argument, System.Globalization.CultureInfo.InvariantCulture)) + ": 1\n");
                break;
            case "@size": // @size N: a sparse file of N zero bytes
                using (var stream = File.Create(target)) stream.SetLength(long.Parse(argument, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case "@bytes": // @bytes HEX: raw bytes
                File.WriteAllBytes(target, Convert.FromHexString(argument.Replace(" ", "", StringComparison.Ordinal)));
                break;
            case "@symlink": // @symlink TARGET (relative to the case folder, or absolute)
                File.CreateSymbolicLink(target, argument.Replace("{dir}", folder, StringComparison.Ordinal));
                break;
            case "@fifo":
                using (var mkfifo = Process.Start("mkfifo", [target])) mkfifo.WaitForExit();
                break;
            case "@dir":
                Directory.CreateDirectory(target);
                break;
            default:
                throw new InvalidOperationException($"unknown generator {words[0]}");
        }
    }
}
