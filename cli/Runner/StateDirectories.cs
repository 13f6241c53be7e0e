namespace Lbdeploy.Runner;

/// <summary>
/// Where lbdeploy keeps what it started: <c>/run/lbdeploy</c> (tmpfs: gone after a reboot, like the network it
/// describes), or <c>$LBDEPLOY_STATE_DIR</c>. One mininet network can run per machine (interface names are global
/// while veths are created), so the state is per machine, not per spec.
/// <list type="bullet">
/// <item><c>testbed/</c>: launcher.py, launcher.pid, launcher.log, nodes.json (node -> shell pid), topology.json, ready</item>
/// <item><c>deploy/</c>: plan/ (the applied plan's files), logs/, pids/, applied.json (what apply did, with file hashes)</item>
/// </list>
/// </summary>
public static class StateDirectories
{
    public static string Root =>
        Environment.GetEnvironmentVariable("LBDEPLOY_STATE_DIR") is { Length: > 0 } dir ? dir : "/run/lbdeploy";

    public static string Testbed => Path.Combine(Root, "testbed");

    public static string Deploy => Path.Combine(Root, "deploy");
}
