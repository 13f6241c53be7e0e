using System.Diagnostics;
using Lbdeploy.Tests.EndToEnd;

namespace Lbdeploy.Tests.Commands;

/// <summary>
/// `lbdeploy completion bash|zsh`: the script is loaded into the real shell and asked what completes, as the shell's
/// completion machinery would ask it.
/// </summary>
public sealed class CompletionCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("lbdeploy-completion-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [InlineData("lbdeploy pl", "plan")]
    [InlineData("lbdeploy testbed ", "down status up --help --strict --verbose -? -h -v")]
    [InlineData("lbdeploy plan --o", "--out")]
    [InlineData("lbdeploy --verbose testbed u", "up")]
    [InlineData("lbdeploy trace --sv", "--svg")]
    [InlineData("lbdeploy plan -f lb", "lb.yaml")]
    public async Task Bash_completes_commands_options_and_files(string line, string expected)
    {
        var script = await ScriptAsync("bash");
        Assert.Equal(expected, Complete("bash", script, line));
    }

    /// <summary>zsh's bashcompinit hands back every candidate and lets zsh's own completion filter them by prefix.</summary>
    [Fact]
    public async Task Zsh_loads_the_same_completion_through_bashcompinit()
    {
        if (!File.Exists("/usr/bin/zsh")) Assert.Fail("zsh is not installed; tools/bootstrap.sh --with-test-tools installs it");
        var script = await ScriptAsync("zsh");
        var top = Complete("zsh", script, "lbdeploy pl").Split(' ');
        Assert.Contains("plan", top);
        Assert.Contains("testbed", top);
        var testbed = Complete("zsh", script, "lbdeploy testbed u").Split(' ');
        Assert.Equal(["down", "status", "up"], testbed.Where(w => !w.StartsWith('-')));
    }

    [Fact]
    public async Task An_unknown_shell_is_one_line()
    {
        var run = await CliRun.RunAsync("completion", "fish");
        Assert.Equal(1, run.ExitCode);
        Assert.Single(run.Error.Trim().Split('\n'));
        Assert.Contains("Argument 'fish' not recognized. Must be one of: 'bash' 'zsh'", run.Error);
    }

    private async Task<string> ScriptAsync(string shell)
    {
        var run = await CliRun.RunAsync("completion", shell);
        Assert.True(run.ExitCode == 0, run.All);
        var path = Path.Combine(folder, $"completion.{shell}");
        File.WriteAllText(path, run.Output);
        File.WriteAllText(Path.Combine(folder, "lb.yaml"), "");
        return path;
    }

    /// <summary>Sources the script in <paramref name="shell"/> and runs the completion function for <paramref name="line"/>.</summary>
    private string Complete(string shell, string script, string line)
    {
        var words = line.Split(' ');
        var array = string.Join(' ', words.Select(w => $"'{w}'"));
        var probe = $"source '{script}'; COMP_WORDS=({array}); COMP_CWORD={words.Length - 1}; _lbdeploy; echo \"${{COMPREPLY[*]}}\"";
        var start = new ProcessStartInfo($"/usr/bin/{shell}") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(shell == "zsh" ? $"autoload -U compinit && compinit -u; {probe}" : probe);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, error);
        return output.Trim();
    }

    [Fact]
    public async Task Help_ends_with_examples_and_the_root_help_with_exit_codes_and_environment()
    {
        var root = await CliRun.RunAsync("--help");
        Assert.Equal(0, root.ExitCode);
        Assert.Contains("Examples:\n  lbdeploy up ", root.Output);
        Assert.Contains("Exit codes: 0 done", root.Output);
        Assert.Contains("LBDEPLOY_STATE_DIR", root.Output);
        var trace = await CliRun.RunAsync("trace", "--help");
        Assert.Contains("Examples:\n  lbdeploy trace --from h5\n", trace.Output);
        Assert.DoesNotContain("Exit codes", trace.Output);
    }
}
