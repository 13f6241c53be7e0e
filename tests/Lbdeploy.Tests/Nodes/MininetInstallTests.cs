using Lbdeploy.Common;
using Lbdeploy.Nodes;

namespace Lbdeploy.Tests.Nodes;

/// <summary>mininet found by what works: mnexec on PATH, and the first python3 that imports the package.</summary>
public sealed class MininetInstallTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("lbdeploy-mininet-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private string Dir(string name) => Directory.CreateDirectory(Path.Combine(root, name)).FullName;

    private static string Touch(string folder, string name, bool executable = true)
    {
        var file = Path.Combine(folder, name);
        File.WriteAllText(file, "#!/bin/sh\n");
        File.SetUnixFileMode(file, executable ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return file;
    }

    [Fact]
    public void Mnexec_is_the_first_executable_one_on_path()
    {
        var empty = Dir("empty");
        Touch(empty, "mnexec", executable: false);
        var local = Dir("local");
        var mnexec = Touch(local, "mnexec");
        Assert.Equal(mnexec, MininetInstall.FindMnExec($"{empty}:relative/dir:{local}"));
    }

    [Fact]
    public void No_mnexec_says_so_and_how_to_fix()
    {
        var e = Assert.Throws<RunnerException>(() => MininetInstall.FindMnExec(Dir("none")));
        Assert.StartsWith("mininet is missing: no executable mnexec on PATH (", e.Message);
        Assert.Contains("run tools/bootstrap.sh", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_python_of_path_that_imports_mininet_is_taken()
    {
        var bin = Dir("bin");
        Touch(bin, "mnexec");
        var python = Touch(bin, "python3");
        var asked = new List<string>();
        var found = MininetInstall.Find(bin, p => { asked.Add(p); return p == python ? "/usr/local/lib/python3.11/dist-packages/mininet" : null; });
        Assert.Equal(new MininetInstall(Path.Combine(bin, "mnexec"), python, "/usr/local/lib/python3.11/dist-packages/mininet"), found);
        Assert.Equal([python], asked);
    }

    [Fact]
    public void A_path_python_without_mininet_falls_back_to_the_system_ones()
    {
        var bin = Dir("bin");
        Touch(bin, "mnexec");
        var pyenv = Touch(bin, "python3");
        var asked = new List<string>();
        var system = MininetInstall.SystemPythons.Where(File.Exists).ToList();
        var found = MininetInstall.Find(bin, p => { asked.Add(p); return p == pyenv ? null : "/pkg/mininet"; });
        if (system.Count == 0) return;
        Assert.Equal(system[0], found.Python);
        Assert.Equal([pyenv, system[0]], asked);
    }

    [Fact]
    public void No_python_imports_mininet_names_what_was_tried()
    {
        var bin = Dir("bin");
        Touch(bin, "mnexec");
        var python = Touch(bin, "python3");
        var e = Assert.Throws<RunnerException>(() => MininetInstall.Find(bin, _ => null));
        Assert.StartsWith($"mininet's Python package is missing: `import mininet` fails in {python}", e.Message);
        Assert.Contains("PYTHONPATH", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_standard_python_is_the_systems_first()
    {
        var system = MininetInstall.SystemPythons.Where(File.Exists).ToList();
        if (system.Count == 0) return;
        Assert.Equal(system[0], MininetInstall.StandardPython());
    }

    [Fact]
    public void The_probe_refuses_an_empty_folder_named_mininet()
    {
        // What hiding Debian's package with an empty folder looks like: a namespace package without __file__.
        if (!File.Exists("/usr/bin/python3")) return;
        var site = Dir("site");
        Dir(Path.Combine("site", "mininet"));
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3", ["-I", "-c", $"import sys; sys.path.insert(0, {ShellQuoting.Quote(site)}); {MininetInstall.ProbeScript}"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        process.WaitForExit();
        Assert.NotEqual(0, process.ExitCode);
    }
}
