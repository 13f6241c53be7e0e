using Lbdeploy.Planning;
using Lbdeploy.Runner;
using Lbdeploy.Tests.Spec;

namespace Lbdeploy.Tests.Remote;

/// <summary>The plan's files reach each machine that uses them, once: a second run over the same plan copies nothing.</summary>
public sealed class RemotePlanFilesTests : IDisposable
{
    private readonly SpecDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task Each_node_gets_its_own_files_once()
    {
        var spec = directory.Write("topology: fattree.json\nvip: { address: 20.0.0.1 }\nmuxes: [h1]\ndips: [h13, h14]\n");
        var plan = Planner.Create(spec, "lb.yaml");
        var byNode = RemotePlanFiles.FilesByNode(plan);
        Assert.Equal(["engines/h1-mux.json"], byNode["h1"].AsEnumerable());
        Assert.Equal(["hosts/h13/vip-up.sh", "hosts/h13/vip-down.sh", "engines/h13-agent.json"], byNode["h13"].AsEnumerable());
        Assert.Equal(["switches/linux/t1.sh", "switches/linux/t1.down.sh"], byNode["t1"].AsEnumerable());
        Assert.False(byNode.ContainsKey("h3")); // a client runs nothing of the plan

        using var ssh = new FakeSsh([.. byNode.Keys]);
        var files = new RemotePlanFiles(new Lbdeploy.Remote.SshShell(ssh.Inventory, ssh.Settings with { MaxSessions = 8 }));
        var first = await files.ShipAsync(plan);
        Assert.Equal(Describe(byNode), Describe(first));
        Assert.Equal(plan.Files["engines/h13-agent.json"], File.ReadAllText(ssh.RootOf("h13") + "/plan/engines/h13-agent.json"));
        Assert.Equal(plan.Files["switches/linux/t1.sh"], File.ReadAllText(ssh.RootOf("t1") + "/plan/switches/linux/t1.sh"));

        Assert.Empty(await files.ShipAsync(plan));

        File.WriteAllText(ssh.RootOf("t1") + "/plan/switches/linux/t1.sh", "# edited by hand\n");
        Assert.Equal(["t1: switches/linux/t1.sh"], Describe(await files.ShipAsync(plan)));
    }

    private static string[] Describe(IEnumerable<KeyValuePair<string, System.Collections.Immutable.ImmutableArray<string>>> files) =>
        [.. files.Select(f => $"{f.Key}: {string.Join(' ', f.Value)}")];
}
