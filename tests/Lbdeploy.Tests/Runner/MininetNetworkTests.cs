using Lbdeploy.Runner;
using Lbdeploy.Nodes;
using Lbdeploy.Common;

namespace Lbdeploy.Tests.Runner;

public sealed class MininetNetworkTests
{
    [Theory]
    [InlineData(new[] { "bash", "--norc", "-is", "mininet:h1" }, "h1")]
    [InlineData(new[] { "/bin/bash", "--norc", "-is", "mininet:t12" }, "t12")]
    [InlineData(new[] { "grep", "mininet:h1" }, null)]
    [InlineData(new[] { "bash", "-c", "echo mininet:h1 && sleep 1" }, null)]
    [InlineData(new[] { "bash", "--norc", "-is", "mininet:" }, null)]
    [InlineData(new string[0], null)]
    public void Only_a_mininet_node_shell_names_a_node(string[] argv, string? expected) =>
        Assert.Equal(expected, MininetNetwork.NodeNameOf(argv));

    [Fact]
    public void Quote_survives_single_quotes() =>
        Assert.Equal("'it'\\''s'", HostShell.Quote("it's"));
}

public sealed class HostShellGuardTests
{
    [Fact]
    public async Task Refuses_a_host_whose_pid_lives_in_lbdeploys_own_network_namespace()
    {
        var shell = new HostShell(MininetNetwork.FromNodes(new Dictionary<string, int> { ["h1"] = Environment.ProcessId }));
        var error = await Assert.ThrowsAsync<RunnerException>(() => shell.RunAsync("h1", "ping -c1 20.0.0.1"));
        Assert.Contains("refusing", error.Message);
        await Assert.ThrowsAsync<RunnerException>(() => shell.StartDaemonAsync("h1", "sleep 1", "/dev/null"));
    }

    [Fact]
    public async Task Refuses_a_host_the_network_does_not_have()
    {
        var shell = new HostShell(MininetNetwork.FromNodes(new Dictionary<string, int>()));
        var error = await Assert.ThrowsAsync<RunnerException>(() => shell.RunAsync("h7", "true"));
        Assert.Contains("h7 is not in the running mininet network", error.Message);
    }
}
