using Lbdeploy.Common;
using Lbdeploy.Rendering;

namespace Lbdeploy.Runner;

/// <summary>
/// Where one deployment's files live below a state folder (see <see cref="StateDirectories"/>): <c>deploy/</c> holds
/// applied.json, the applied plan, the logs, the pid files and the watcher's status; <c>scripts/</c> the shipped
/// scripts commands run inside the nodes.
/// </summary>
public sealed record DeployPaths(string StateRoot)
{
    /// <summary>The paths of the state folder this process uses (<see cref="StateDirectories.Root"/>).</summary>
    public static DeployPaths Default => new(StateDirectories.Root);

    public string Directory => Path.Combine(StateRoot, "deploy");
    public string StateFile => Path.Combine(Directory, "applied.json");
    public string PlanDirectory => Path.Combine(Directory, "plan");
    public string LogDirectory => Path.Combine(Directory, "logs");
    public string PidDirectory => Path.Combine(Directory, "pids");
    public string Scripts => Path.Combine(StateRoot, "scripts");

    /// <summary>What the watcher last saw and did (<see cref="WatchStatus"/>).</summary>
    public string WatchStatusFile => Path.Combine(Directory, "watch-status.json");
    public string WatcherLog => Path.Combine(LogDirectory, "watcher.log");
    public string WatcherPid => Path.Combine(PidDirectory, "watcher.pid");

    /// <summary>The applied plan's watch config (apply writes the plan's files before it starts the watcher).</summary>
    public string WatchConfigFile => Path.Combine(PlanDirectory, PlanFiles.Watcher);
}
