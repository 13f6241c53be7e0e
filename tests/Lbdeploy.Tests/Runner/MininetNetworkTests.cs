using Lbdeploy.Runner;

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
