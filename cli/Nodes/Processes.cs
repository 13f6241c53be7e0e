using System.Runtime.InteropServices;

namespace Lbdeploy.Nodes;

/// <summary>Small /proc and signal helpers, by exact pid only (never by name).</summary>
public static partial class Processes
{
    public const int SigTerm = 15;
    public const int SigKill = 9;
    public const int SigHup = 1;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    [LibraryImport("libc")]
    private static partial uint geteuid();

    public static bool IsRoot => geteuid() == 0;

    /// <summary>True when the process exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0) return false;
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // The state follows the parenthesised command name, which may itself contain ") ".
            var afterName = stat.LastIndexOf(')');
            return afterName > 0 && afterName + 2 < stat.Length && stat[afterName + 2] != 'Z';
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }

    public static bool Signal(int pid, int signal) => pid > 0 && kill(pid, signal) == 0;

    /// <summary>The parent pid of a process, or null when it is gone.</summary>
    public static int? ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // pid (comm) state ppid ...: the fields after the last ')' are fixed.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.TryParse(fields[1], out var parent) ? parent : null;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>The argv of a process ("" entries dropped), or empty when it is gone.</summary>
    public static string[] CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    /// <summary>The network namespace of a process ("net:[4026532...]"), or null when it is gone.</summary>
    public static string? NetworkNamespace(int pid)
    {
        try
        {
            return new FileInfo($"/proc/{pid}/ns/net").LinkTarget;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>Every live pid on the machine.</summary>
    public static IEnumerable<int> All()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid)) yield return pid;
        }
    }

    /// <summary>Pids whose network namespace is one of <paramref name="namespaces"/>.</summary>
    public static List<int> InNamespaces(IReadOnlySet<string> namespaces) =>
        All().Where(pid => NetworkNamespace(pid) is { } ns && namespaces.Contains(ns)).ToList();
}
