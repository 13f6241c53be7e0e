using System.Diagnostics;
using Lbdeploy.Common;

namespace Lbdeploy.Nodes;

/// <summary>
/// Where mininet is on this machine, found by what works rather than where Debian puts it: `mnexec` on PATH (Debian's
/// /usr/bin, a source build's /usr/local/bin) and a Python 3 that imports the mininet package (Debian's dist-packages,
/// a source build's /usr/local/lib/python3.X/dist-packages or site-packages, or PYTHONPATH). Looked up once per process.
/// </summary>
/// <param name="MnExec">The mnexec found on PATH.</param>
/// <param name="Python">The first interpreter that imports mininet: the python3 of PATH, then the system ones.</param>
/// <param name="Package">The folder of the mininet package that interpreter imports.</param>
public sealed record MininetInstall(string MnExec, string Python, string Package)
{
    /// <summary>The interpreters asked after PATH's python3: the system's, for a PATH whose python3 is a pyenv or venv one.</summary>
    public static readonly IReadOnlyList<string> SystemPythons = ["/usr/bin/python3", "/usr/local/bin/python3"];

    /// <summary>The import and the line the interpreter prints: a namespace package (an empty folder) has no __file__ and fails.</summary>
    public const string ProbeScript = "import mininet, os; print(os.path.dirname(mininet.__file__))";

    private const string Fix = "run tools/bootstrap.sh (Debian's mininet), or install mininet from source (util/install.sh -n) so that mnexec is on PATH and python3 imports mininet";

    private static readonly Lazy<string> mnexec = new(() => FindMnExec(Environment.GetEnvironmentVariable("PATH")));
    private static readonly Lazy<MininetInstall> found = new(() => Find(Environment.GetEnvironmentVariable("PATH"), AskPython));

    /// <summary>The mnexec on PATH (every node command goes through it); a one-line error naming the fix when there is none.</summary>
    public static string RequireMnExec() => mnexec.Value;

    /// <summary>mnexec and the Python package (what the testbed launcher needs); a one-line error naming what is missing.</summary>
    public static MininetInstall Require() => found.Value;

    /// <summary>
    /// A python3 for scripts that need only the standard library (trace's packet sender): the system's, else PATH's;
    /// found without starting it, since a trace waits for it.
    /// </summary>
    public static string StandardPython() =>
        SystemPythons.Concat(PathDirectories(Environment.GetEnvironmentVariable("PATH")).Select(dir => Path.Combine(dir, "python3"))).FirstOrDefault(IsExecutable)
        ?? throw new RunnerException($"python3 is missing: none at {string.Join(", ", SystemPythons)} nor on PATH; install python3 (apt-get install python3)");

    /// <summary>The executable mnexec in the first PATH folder holding one.</summary>
    public static string FindMnExec(string? path) =>
        PathDirectories(path).Select(dir => Path.Combine(dir, HostShell.MnExec)).FirstOrDefault(IsExecutable)
        ?? throw new RunnerException($"mininet is missing: no executable mnexec on PATH ({path}); {Fix}");

    /// <param name="path">The PATH to search.</param>
    /// <param name="ask">Runs an interpreter on <see cref="ProbeScript"/>: the package folder it printed, or null when the import failed.</param>
    public static MininetInstall Find(string? path, Func<string, string?> ask)
    {
        var mnExec = FindMnExec(path);
        var pythons = PathDirectories(path).Select(dir => Path.Combine(dir, "python3")).Where(IsExecutable)
            .Take(1).Concat(SystemPythons.Where(IsExecutable)).Distinct(StringComparer.Ordinal).ToList();
        if (pythons.Count == 0)
        {
            throw new RunnerException($"python3 is missing: none on PATH ({path}) nor at {string.Join(", ", SystemPythons)}; install python3 (apt-get install python3)");
        }
        foreach (var python in pythons)
        {
            if (ask(python) is { Length: > 0 } package) return new MininetInstall(mnExec, python, package);
        }
        throw new RunnerException($"mininet's Python package is missing: `import mininet` fails in {string.Join(" and ", pythons)} (mnexec is {mnExec}); {Fix}, or add the folder holding the mininet package to PYTHONPATH");
    }

    private static IEnumerable<string> PathDirectories(string? path) =>
        (path ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Where(Path.IsPathRooted);

    private static bool IsExecutable(string file) =>
        File.Exists(file) && (File.GetUnixFileMode(file) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0;

    private static string? AskPython(string python)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-c", ProbeScript }) start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(15)))
            {
                process.Kill();
                return null;
            }
            return process.ExitCode == 0 ? output.Result.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
