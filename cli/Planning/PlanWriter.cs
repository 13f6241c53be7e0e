using System.Runtime.ExceptionServices;
using System.Text;
using Lbdeploy.Common;
using Lbdeploy.Rendering;

namespace Lbdeploy.Planning;

/// <summary>
/// Writes a plan's files to a directory so that it holds exactly them: existing files are rewritten only when
/// their content changed, files an earlier plan wrote that this one no longer has are removed (with emptied
/// folders), scripts are made executable. Refuses directories it did not create (no plan.json in a non-empty dir).
/// Never writes outside the directory: every file path stays below it and no symbolic link inside it is followed.
/// While it writes, <see cref="WritingMarker"/> says so and plan.json is absent: a plan that failed half-way is never
/// taken for a whole one (apply refuses a directory with the marker).
/// </summary>
public static class PlanWriter
{
    /// <summary>Present in a plan directory while it is being written.</summary>
    public const string WritingMarker = ".writing";

    /// <summary>The checks that need no plan: call before planning so a bad --out fails at once.</summary>
    public static string CheckDirectory(string directory, string what = "--out")
    {
        var full = WritableFolders.Check(directory, what);
        if (Directory.Exists(full)
            && !File.Exists(Path.Combine(full, PlanFiles.Json))
            && !File.Exists(Path.Combine(full, WritingMarker))
            && Directory.EnumerateFileSystemEntries(full).Any())
        {
            throw new LbdeployException($"{what} {TerminalText.Quote(full)} is not empty and holds no plan.json; choose an empty or plan directory");
        }
        return full;
    }

    public static void Write(DeploymentPlan plan, string directory)
    {
        directory = CheckDirectory(directory);
        var targets = plan.Files.Keys.Select(relative => (Relative: relative, Path: Target(directory, relative))).ToList();
        Directory.CreateDirectory(directory);
        var marker = Path.Combine(directory, WritingMarker);
        File.WriteAllText(marker, "lbdeploy plan is writing this directory; a plan that failed here is incomplete: run lbdeploy plan again\n");
        File.Delete(Path.Combine(directory, PlanFiles.Json));

        var folders = new SafeFolders(directory);
        foreach (var (_, path) in targets) folders.Ensure(Path.GetDirectoryName(path)!);

        // Files are independent: write them on every core (a k=16 plan writes ~30 MB in 656 files); plan.json last.
        try
        {
            var files = targets.Where(t => t.Relative != PlanFiles.Json).ToArray();
            Parallel.For(0, files.Length, i => WriteFileAt(files[i].Path, files[i].Relative, plan.Files[files[i].Relative]));
        }
        catch (AggregateException e)
        {
            // Report one failure as a plain one (permission denied, disk full...), as a serial write would.
            ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }

        var expected = targets.Select(t => t.Path).Append(marker).ToHashSet(StringComparer.Ordinal);
        foreach (var stale in Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
                     .Where(f => !expected.Contains(Path.GetFullPath(f))).ToList())
        {
            File.Delete(stale);
        }
        foreach (var folder in Directory.EnumerateDirectories(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
                     .OrderByDescending(d => d.Length).ToList())
        {
            if (!Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
        }
        if (plan.Files.TryGetValue(PlanFiles.Json, out var json)) WriteFileAt(Path.Combine(directory, PlanFiles.Json), PlanFiles.Json, json);
        File.Delete(marker);
    }

    /// <summary>Writes one plan file (only when its content changed); shell scripts are made executable.</summary>
    public static void WriteFile(string directory, string relative, string content)
    {
        var path = Target(Path.GetFullPath(directory), relative);
        new SafeFolders(Path.GetFullPath(directory)).Ensure(Path.GetDirectoryName(path)!);
        WriteFileAt(path, relative, content);
    }

    private static void WriteFileAt(string path, string relative, string content)
    {
        // An unchanged file keeps its timestamp; a size that differs (UTF-8, no BOM, as written) needs no read.
        var existing = new FileInfo(path);
        if (existing.LinkTarget is not null)
        {
            throw new LbdeployException($"{TerminalText.Quote(path)} is a symbolic link; lbdeploy writes plan files only as plain files below the plan directory: remove it");
        }
        if (!existing.Exists || existing.Length != Encoding.UTF8.GetByteCount(content) || File.ReadAllText(path) != content)
        {
            File.WriteAllText(path, content);
        }
        if (relative.EndsWith(".sh", StringComparison.Ordinal) && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
    }

    /// <summary>Where a plan file goes: below <paramref name="directory"/>, or a refusal (a plan file name is never a path out).</summary>
    private static string Target(string directory, string relative)
    {
        var path = Path.GetFullPath(Path.Combine(directory, relative));
        if (Path.IsPathRooted(relative) || !path.StartsWith(directory.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"plan file {TerminalText.Quote(relative)} would be written outside {directory}");
        }
        return path;
    }

    /// <summary>Creates folders below the root one level at a time, refusing any that is a symbolic link (it could lead out).</summary>
    private sealed class SafeFolders(string root)
    {
        private readonly HashSet<string> checkedFolders = new(StringComparer.Ordinal) { root };

        public void Ensure(string folder)
        {
            if (checkedFolders.Contains(folder)) return;
            Ensure(Path.GetDirectoryName(folder)!);
            var info = new DirectoryInfo(folder);
            if (info.LinkTarget is not null)
            {
                throw new LbdeployException($"{TerminalText.Quote(folder)} is a symbolic link; lbdeploy writes only into real folders below the plan directory: remove it");
            }
            if (File.Exists(folder))
            {
                throw new LbdeployException($"{TerminalText.Quote(folder)} is a file where the plan needs a folder; remove it");
            }
            info.Create();
            checkedFolders.Add(folder);
        }
    }
}
