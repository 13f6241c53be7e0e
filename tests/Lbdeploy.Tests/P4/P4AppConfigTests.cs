using System.Text.Json;
using Lbdeploy.Tests.Topology;
using Lbdeploy.Topology;

namespace Lbdeploy.Tests.P4;

/// <summary>p4/p4app.json is what a student hands to p4run as it is: no p4run here, so its shape is checked.</summary>
public sealed class P4AppConfigTests
{
    private static readonly string ConfigPath = RepoPaths.Of("p4", "p4app.json");

    /// <summary>The top-level keys p4-utils' AppRunner (p4utils/p4run.py) reads.</summary>
    private static readonly string[] P4runKeys =
    [
        "p4_src", "cli", "pcap_dump", "enable_log", "tasks_file", "host_node", "switch_node", "router_node",
        "compiler_module", "client_module", "mininet_module", "exec_scripts", "topology",
    ];

    [Fact]
    public void Names_only_files_the_repository_has_and_keys_p4run_reads()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(ConfigPath));
        var root = document.RootElement;
        Assert.All(root.EnumerateObject(), p => Assert.Contains(p.Name, P4runKeys));
        // p4run resolves p4_src against the folder it runs in: `cd p4 && sudo p4run --conf p4app.json`
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(ConfigPath)!, root.GetProperty("p4_src").GetString()!)));
        Assert.False(root.TryGetProperty("exec_scripts", out _));
        Assert.Equal("l3", root.GetProperty("topology").GetProperty("assignment_strategy").GetString());
    }

    [Fact]
    public void Is_the_course_fat_tree()
    {
        var ours = FabricLoader.Load(ConfigPath);
        var course = FabricLoader.Load(RepoPaths.CourseAppConfig);
        Assert.Equal(course.Hosts.Select(h => (h.Name, h.Address, h.Mac, h.Interface)), ours.Hosts.Select(h => (h.Name, h.Address, h.Mac, h.Interface)));
        Assert.Equal(course.Switches.Select(s => (s.Name, s.DeviceId, s.ThriftPort)), ours.Switches.Select(s => (s.Name, s.DeviceId, s.ThriftPort)));
        Assert.Equal(course.Links.Select(l => (l.A, l.B)), ours.Links.Select(l => (l.A, l.B)));
    }
}
