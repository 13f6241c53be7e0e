using System.CommandLine;
using Lbdeploy.Common;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy shell NODE`: an interactive bash inside a node (prompt `h3# `), what mininet's CLI gives with `xterm h3`
/// on a headless machine. It needs a terminal; a script runs `lbdeploy exec` instead.
/// </summary>
public static class ShellCommand
{
    public static Command Create()
    {
        var node = new Argument<string>("NODE") { Description = "The node to enter: a host or a switch (h3, t1)" };
        var command = new Command("shell", "Open an interactive shell inside a node of the running network (needs a terminal)") { node };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, _) =>
            RunAsync(context.Get(node)!, Console.IsInputRedirected), ct));
        return command;
    }

    public static Task<int> RunAsync(string node, bool inputRedirected)
    {
        RunningNodes.CheckName(node);
        if (inputRedirected)
        {
            throw new LbdeployException($"lbdeploy shell needs a terminal, and standard input is not one; run single commands with lbdeploy exec {node} -- COMMAND");
        }
        var nodes = RunningNodes.Locate();
        var pid = new HostShell(nodes.Network).NamespacedPidOf(nodes.Require(node).Name);
        return ForegroundProcess.RunAsync(NodeCommandLine.Shell(pid, node));
    }
}
