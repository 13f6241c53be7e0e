using System.Buffers;
using Lbdeploy.Common;

namespace Lbdeploy.Spec;

/// <summary>
/// Specs that are legal but dangerous, as warnings at the field (errors under --strict): the servers publish their
/// docroot through the VIP and run as root on every DIP, so a system folder as docroot or a server command that is
/// more than one program invocation deserve a second look.
/// </summary>
public static class SpecPolicy
{
    // Folders whose contents must never be served to clients (and the root, which holds them all).
    private static readonly string[] SystemFolders =
        ["/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var"];

    // Folders whose every subfolder is sensitive too.
    private static readonly string[] SystemTrees = ["/etc", "/root", "/proc", "/sys", "/dev", "/boot", "/run"];

    // What makes /bin/sh run more than one program, or redirect: lbdeploy starts the command through `sh -c`.
    private static readonly SearchValues<char> ShellOperators = SearchValues.Create(";&|`<>$()\\\n*?[~");

    public static IEnumerable<SpecDiagnostic> Check(LbSpec spec)
    {
        var docroot = Path.TrimEndingDirectorySeparator(spec.Servers.DocRoot);
        if (docroot.Length == 0) docroot = "/";
        var home = Environment.GetEnvironmentVariable("HOME");
        if (SystemFolders.Contains(docroot)
            || SystemTrees.Any(tree => docroot.StartsWith(tree + "/", StringComparison.Ordinal))
            || (docroot.StartsWith("/home/", StringComparison.Ordinal) && docroot.Count(c => c == '/') == 2)
            || (home is { Length: > 1 } && docroot == Path.TrimEndingDirectorySeparator(home)))
        {
            yield return Warning(spec, "servers.docroot",
                $"docroot {TerminalText.Quote(docroot)} is a system or home folder: every file in it becomes downloadable through the VIP; serve a folder made for it, e.g. examples/wwwroot");
        }

        var command = spec.Servers.Command;
        var at = command.AsSpan().IndexOfAny(ShellOperators);
        if (at >= 0)
        {
            yield return Warning(spec, "servers.command",
                $"the server command is not a single program invocation ({TerminalText.Quote(command[at].ToString())} at character {at + 1}); lbdeploy runs it with /bin/sh as root on every DIP: run one program with its arguments, and put anything more in a script it starts");
        }
    }

    private static SpecDiagnostic Warning(LbSpec spec, string path, string message) =>
        spec.Source.At(path, message) with { Severity = DiagnosticSeverity.Warning };
}
