using System.CommandLine;
using Lbdeploy.Commands;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;

namespace Lbdeploy.Tests.Commands;

/// <summary>`lbdeploy exec` and `lbdeploy shell` without a network: the command line, the name checks, the argv they start.</summary>
public sealed class NodeToolsCommandTests
{
    private static async Task<(int Exit, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = await LbdeployApp.RunAsync(args, new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Words_after_the_double_dash_are_the_command_even_when_they_look_like_options()
    {
        var parse = LbdeployApp.CreateRoot().Parse(["exec", "h3", "--", "ip", "-4", "addr", "show", "--verbose"]);
        Assert.Empty(parse.Errors);
        var exec = parse.CommandResult.Command;
        Assert.Equal("h3", parse.GetValue(exec.Arguments.OfType<Argument<string>>().Single()));
        Assert.Equal(["ip", "-4", "addr", "show", "--verbose"], parse.GetValue(exec.Arguments.OfType<Argument<string[]>>().Single())!);
    }

    [Theory]
    [InlineData("exec", "h3;reboot", "--", "true")]
    [InlineData("exec", "$(id)", "--", "true")]
    [InlineData("shell", "h3 x")]
    [InlineData("shell", "-")]
    public async Task A_node_name_outside_the_naming_rule_is_refused_in_one_line_before_anything_runs(params string[] args)
    {
        var (exit, output, error) = await Run(args);
        Assert.Equal(ExitCodes.UserError, exit);
        Assert.Equal("", output);
        var line = Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Matches("^error: (node name .* is not allowed: .*names are letters|lbdeploy: )", line);
    }

    [Fact]
    public async Task Exec_without_a_command_is_a_one_line_usage_error()
    {
        var (exit, _, error) = await Run("exec", "h3");
        Assert.Equal(ExitCodes.UserError, exit);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains("Required argument missing", error);
    }

    [Fact]
    public void Exec_hands_the_words_to_mnexec_as_they_are()
    {
        Assert.Equal(["mnexec", "-a", "4242", "/usr/bin/env", "--", "sh", "-c", "exit 7; echo 'x y' $HOME"],
            NodeCommandLine.Exec(4242, ["sh", "-c", "exit 7; echo 'x y' $HOME"]));
        Assert.Throws<ArgumentException>(() => NodeCommandLine.Exec(4242, []));
    }

    [Fact]
    public void Shell_starts_an_interactive_bash_without_rc_files_and_a_prompt_naming_the_node() =>
        Assert.Equal(["mnexec", "-a", "17", "/usr/bin/env", "PS1=h3# ", "/bin/bash", "--norc", "--noprofile", "-i"], NodeCommandLine.Shell(17, "h3"));

    [Fact]
    public async Task Shell_without_a_terminal_says_so_and_suggests_exec()
    {
        var error = await Assert.ThrowsAsync<LbdeployException>(() => ShellCommand.RunAsync("h3", inputRedirected: true));
        Assert.Equal(ExitCodes.UserError, error.ExitCode);
        Assert.Equal("lbdeploy shell needs a terminal, and standard input is not one; run single commands with lbdeploy exec h3 -- COMMAND", error.Message);
    }

    private static readonly RunningNodes Course = new("the testbed of /run/test",
        [.. Enumerable.Range(1, 16).Select(i => new RunningNode($"h{i}", "host", 1000 + i)), new RunningNode("t1", "switch", 2001), new RunningNode("a1", "switch", 2002)]);

    [Fact]
    public void An_unknown_node_is_one_line_that_lists_some_valid_names()
    {
        var error = Assert.Throws<LbdeployException>(() => Course.Require("nosuch"));
        Assert.Equal("unknown node nosuch: the testbed of /run/test has 18 nodes (a1, h1, h2, h3, h4, h5, h6, h7, ...); lbdeploy testbed status lists them", error.Message);
        Assert.Contains("did you mean t1?", Assert.Throws<LbdeployException>(() => Course.Require("tt1")).Message);
    }

    [Fact]
    public void A_known_node_comes_back_with_its_kind_and_pid()
    {
        Assert.Equal(new RunningNode("a1", "switch", 2002), Course.Require("a1"));
        Assert.Equal(1003, Course.Network.PidOf("h3"));
    }
}
