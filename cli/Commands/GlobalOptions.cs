using System.CommandLine;

namespace Lbdeploy.Commands;

/// <summary>Options every command shares. Create a fresh spec option per command (an option belongs to one parent).</summary>
public static class GlobalOptions
{
    /// <summary>`--verbose` anywhere on the line: stack traces on errors and more detail while working.</summary>
    public static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show details while working and the stack trace of an error",
        Recursive = true,
    };

    /// <summary>`--strict` anywhere on the line: the spec's policy warnings (dangerous but legal settings) are errors.</summary>
    public static readonly Option<bool> Strict = new("--strict")
    {
        Description = "Treat the spec's warnings (a system folder as docroot, a server command that is more than one program) as errors",
        Recursive = true,
    };

    public const string DefaultSpecFile = "lb.yaml";

    /// <summary>`-f, --file`: the spec, default ./lb.yaml.</summary>
    public static Option<string> SpecFile() => new("--file", "-f")
    {
        Description = "The load-balancer spec",
        DefaultValueFactory = _ => DefaultSpecFile,
        HelpName = "lb.yaml",
    };
}
