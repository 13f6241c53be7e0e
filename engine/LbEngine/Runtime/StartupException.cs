namespace Lb.Engine.Runtime;

/// <summary>A condition that stops the engine from starting; the message is one line: what, where, how to fix.</summary>
public sealed class StartupException(string message, int exitCode = 1, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
