using System.CommandLine;
using Lbdeploy.Nodes;
using Lbdeploy.Runner;

namespace Lbdeploy.Commands;

/// <summary>
/// `lbdeploy exec NODE -- CMD [ARGS...]`: runs one program inside a node of the running network (host or switch),
/// on lbdeploy's own terminal or pipes, and exits with the program's exit code. The words after `--` reach the
/// program as they are (`mnexec -a PID` execs them, no shell in between). lbdeploy's own failures (a bad or unknown
/// node name, no network) happen before the program starts and print one `error:` line with lbdeploy's exit code.
/// </summary>
public static class ExecCommand
{
    public static Command Create()
    {
        var node = new Argument<string>("NODE") { Description = "The node to run in: a host or a switch (h3, t1)" };
        var argv = new Argument<string[]>("COMMAND") { Description = "The program and its arguments, after --", Arity = ArgumentArity.OneOrMore };
        var command = new Command("exec", "Run one command inside a node of the running network and exit with its exit code") { node, argv };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(parse, (context, _) =>
            RunAsync(context.Get(node)!, context.Get(argv)!), ct));
        return command;
    }

    public static Task<int> RunAsync(string node, IReadOnlyList<string> argv)
    {
        RunningNodes.CheckName(node);
        var nodes = RunningNodes.Locate();
        var pid = new HostShell(nodes.Network).NamespacedPidOf(nodes.Require(node).Name);
        return ForegroundProcess.RunAsync(NodeCommandLine.Exec(pid, argv));
    }
}
