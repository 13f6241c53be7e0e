namespace Lbdeploy.Nodes;

/// <summary>What a command run inside a mininet node returned.</summary>
public sealed record ShellResult(string Host, string Command, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>One line for messages: the command, its exit code and the end of its error output.</summary>
    public string Summary()
    {
        var detail = (StandardError.Trim().Length > 0 ? StandardError : StandardOutput).Trim();
        if (detail.Length > 300) detail = "..." + detail[^300..];
        detail = detail.ReplaceLineEndings(" | ");
        return $"{Host}: `{Command}` exited {ExitCode}{(detail.Length > 0 ? ": " + detail : "")}";
    }
}
