using Lbdeploy.Spec;

namespace Lbdeploy.Remote;

/// <summary>
/// Where lbdeploy keeps its files on one machine, all below the inventory's lbdeploy_root: the shipped programs
/// (bin/), the applied plan's files (plan/), logs, pid files (run/) and the engines' control sockets.
/// </summary>
public sealed record RemoteLayout(string Root)
{
    public static RemoteLayout Of(InventoryHost host) => new(host.Root);

    public string Bin => Root + "/bin";
    public string Engine => Bin + "/lbengine";
    public string Supervisor => Bin + "/supervise.sh";
    public string Plan => Root + "/plan";
    public string Logs => Root + "/logs";
    public string Run => Root + "/run";
    public string Sockets => Root + "/" + Common.StateDirectories.SocketsFolder;

    public string PlanFile(string name) => Plan + "/" + name;
    public string LogFile(string name) => Logs + "/" + name + ".log";
    public string PidFile(string name) => Run + "/" + name + ".pid";
}
