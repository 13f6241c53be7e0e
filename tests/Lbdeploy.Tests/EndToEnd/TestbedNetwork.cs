using Lbdeploy.Runner;
using Lbdeploy.Testbed;
using Lbdeploy.Nodes;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>A running testbed (the default state folder's unless named), by its own record (lbdeploy never scans for it).</summary>
internal static class TestbedNetwork
{
    public static MininetNetwork Running(TestbedState? state = null) =>
        MininetNetwork.FromNodes((state ?? TestbedState.Default).Nodes.ToDictionary(n => n.Key, n => n.Value.Pid, StringComparer.Ordinal));
}
