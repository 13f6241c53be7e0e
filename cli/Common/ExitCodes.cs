namespace Lbdeploy.Common;

/// <summary>The exit codes every command uses (documented in the README and in `lbdeploy --help`).</summary>
public static class ExitCodes
{
    /// <summary>Done, or every check passed.</summary>
    public const int Success = 0;

    /// <summary>A problem the user can fix: bad input, a failed check, a missing network, a refused action.</summary>
    public const int UserError = 1;

    /// <summary>`lbdeploy diff`: apply would change something, or the live network drifted from the applied plan.</summary>
    public const int Pending = 2;

    /// <summary>A bug in lbdeploy (an unexpected exception); the message asks for --verbose.</summary>
    public const int InternalError = 70;

    /// <summary>Interrupted (Ctrl-C).</summary>
    public const int Interrupted = 130;
}

/// <summary>
/// A failure the user can fix (bad state, a missing network, a command that failed): its message is one line saying
/// what, where and how to fix it. Commands throw it (or a subclass); the command runner prints it.
/// </summary>
public class LbdeployException(string message, int exitCode = ExitCodes.UserError, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>How to fix it, when the thrower has it apart from the message (the --json error's <c>fix</c>); the message says it too.</summary>
    public string? Fix { get; init; }
}
