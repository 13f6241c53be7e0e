using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Lbdeploy.Commands;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>Runs the real lbdeploy command line in-process and captures what it printed.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error, TimeSpan Elapsed)
{
    public string All => Output + Error;

    public static async Task<CliRun> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var watch = Stopwatch.StartNew();
        var code = await LbdeployApp.RunAsync(args, new InvocationConfiguration { Output = output, Error = error });
        return new CliRun(code, output.ToString(), error.ToString(), watch.Elapsed);
    }

    /// <summary>The checkout: the folder above the test binaries that holds lb.yaml and the solution.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "lbdeploy.slnx")) && File.Exists(Path.Combine(dir.FullName, "lb.yaml"))) return dir.FullName;
        }
        throw new InvalidOperationException("the lbdeploy checkout (lb.yaml, lbdeploy.slnx) is not above " + AppContext.BaseDirectory);
    }

    /// <summary>One folder for every derived spec of this test run, removed when the run ends.</summary>
    private static int derivedCount;

    private static readonly Lazy<string> DerivedSpecs = new(() =>
    {
        var root = Directory.CreateTempSubdirectory("lbdeploy-spec-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(root, recursive: true);
        return root;
    });

    /// <summary>
    /// A copy of a spec in a temp folder with its relative topology and docroot made absolute and some lines
    /// replaced: scenarios derived from the real examples without writing into the checkout.
    /// </summary>
    public static string DeriveSpec(string specPath, params (string From, string To)[] replacements)
    {
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(specPath))!;
        var lines = File.ReadAllLines(specPath).Select(line =>
        {
            foreach (var key in new[] { "topology:", "docroot:" })
            {
                var trimmed = line.TrimStart();
                if (!trimmed.StartsWith(key, StringComparison.Ordinal)) continue;
                var indent = line[..(line.Length - trimmed.Length)];
                var value = trimmed[key.Length..].Split('#')[0].Trim().Trim('"');
                return $"{indent}{key} {Path.GetFullPath(Path.Combine(baseDir, value))}";
            }
            return line;
        });
        var text = string.Join('\n', lines) + "\n";
        foreach (var (from, to) in replacements)
        {
            Assert.Contains(from, text);
            text = text.Replace(from, to, StringComparison.Ordinal);
        }
        var dir = Directory.CreateDirectory(Path.Combine(DerivedSpecs.Value, Interlocked.Increment(ref derivedCount).ToString(CultureInfo.InvariantCulture)));
        var path = Path.Combine(dir.FullName, Path.GetFileName(specPath));
        File.WriteAllText(path, text);
        return path;
    }
}
