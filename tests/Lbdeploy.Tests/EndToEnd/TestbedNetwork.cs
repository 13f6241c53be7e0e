using Lbdeploy.Runner;
using Lbdeploy.Testbed;

namespace Lbdeploy.Tests.EndToEnd;

/// <summary>The running testbed of the default state folder, by its own record (lbdeploy never scans for it).</summary>
internal static class TestbedNetwork
{
    public static MininetNetwork Running() =>
        MininetNetwork.FromNodes(TestbedState.Default.Nodes.ToDictionary(n => n.Key, n => n.Value.Pid, StringComparer.Ordinal));
}
