using System.Text.Json;
using Lbdeploy.Testbed;
using Lbdeploy.Topology;

namespace Lbdeploy.Tests.Topology;

/// <summary>The files `testbed up` writes: the launcher's model and the p4run-format topology.json, both by the serializer.</summary>
public sealed class TestbedFilesTests
{
    private static readonly Fabric Course = FabricLoader.Load(Lbdeploy.Tests.Spec.RepoPaths.Combine("examples", "fattree", "fattree_app.json"));

    [Fact]
    public void Topology_json_reads_back_as_the_same_fabric()
    {
        var reread = FabricLoader.Parse(P4RunTopology.Write(Course), "topology.json");
        Assert.Equal(Course.Hosts.AsEnumerable(), reread.Hosts.AsEnumerable());
        Assert.Equal(Course.Switches.AsEnumerable(), reread.Switches.AsEnumerable());
        Assert.Equal(Course.Links.AsEnumerable(), reread.Links.AsEnumerable());
    }

    [Fact]
    public void Launcher_model_carries_tc_keywords_only_for_options_a_link_has()
    {
        using var document = JsonDocument.Parse(TestbedModel.From(Course, shapeLinks: true).ToJson());
        var root = document.RootElement;
        Assert.True(root.GetProperty("shape_links").GetBoolean());
        var link = root.GetProperty("links")[0];
        Assert.Equal("h1", link.GetProperty("node1").GetString());
        Assert.Equal("h1-eth0", link.GetProperty("interface1").GetString());
        var shaping = link.GetProperty("shaping");
        Assert.Equal(1, shaping.GetProperty("bw").GetDouble());
        Assert.False(shaping.TryGetProperty("delay", out _));
        Assert.Equal(16, root.GetProperty("hosts").GetArrayLength());
        Assert.Equal(20, root.GetProperty("switches").GetArrayLength());
    }
}
