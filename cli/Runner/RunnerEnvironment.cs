using Lbdeploy.Nodes;

namespace Lbdeploy.Runner;

/// <summary>
/// Everything apply, destroy, verify and the mux watcher act through: the state record, the nodes' shells, the
/// process table, daemons started on this machine, the engines' control sockets, the clock and the bmv2 CLI. Commands use
/// <see cref="Default"/>; tests pass fakes, so the runner's decisions run without a network.
/// </summary>
public sealed record RunnerEnvironment(
    IDeployStateStore State,
    Func<MininetNetwork, INodeShell> ShellFor,
    IProcessTable Processes,
    IDaemonLauncher Daemons,
    IEngineControl Engines,
    TimeProvider Time,
    string Bmv2CliProgram = Bmv2Cli.DefaultProgram)
{
    /// <summary>The real machine, with the state folder this process uses.</summary>
    public static RunnerEnvironment Default => new(
        DeployStateFile.Default,
        network => new HostShell(network),
        ProcessTable.System,
        Nodes.Daemons.Local,
        EngineControlSockets.Instance,
        TimeProvider.System);

    public DeployPaths Paths => State.Paths;
}
